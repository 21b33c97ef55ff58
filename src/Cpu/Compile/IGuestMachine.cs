namespace LguestActors.Cpu;

/// <summary>
/// A vCPU together with the host side that serves it (hypercalls, IRQs, clock, devices), run
/// slice by slice: <c>while (m.TryBeginSlice(out long n)) m.EndSlice(m.Cpu.Run(n));</c>. The
/// lockstep checker (<see cref="LockstepChecker"/>) builds two of them, one per engine, and needs
/// the host side to be deterministic: the same exits served the same way give the same machine.
/// </summary>
public interface IGuestMachine
{
    Cpu Cpu { get; }

    /// <summary>Prepares the next slice (clock, IRQ delivery); false when the run is over.</summary>
    bool TryBeginSlice(out long budget);

    /// <summary>Serves how the slice ended (a hypercall, a halt, a fault).</summary>
    void EndSlice(RunExit exit);
}

/// <summary>Runs machines to their end.</summary>
public static class GuestMachine
{
    public static void RunToEnd(IGuestMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        while (machine.TryBeginSlice(out long budget))
        {
            machine.EndSlice(machine.Cpu.Run(budget));
        }
    }
}
