namespace LguestActors.Actors.Vcpu;

/// <summary>Options of one vCPU.</summary>
/// <param name="SliceBudget">Guest instructions per slice: between slices IRQs, Break and stop requests are seen.</param>
/// <param name="Clock">
/// The clock written into lguest_data.time each slice; null (the default) is the actor system's
/// clock: the host wall clock in real time (lguest wrote the host's real time too), virtual time
/// in a simulated world. Tests may pass a fake TimeProvider.
/// </param>
/// <param name="CpuFactory">Builds the guest CPU over the VM's memory; null (the default): the real one, on <see cref="Engine"/>.</param>
public sealed record VcpuOptions(long SliceBudget, TimeProvider? Clock, Func<Cpu.Memory.GuestMemory, IGuestCpu>? CpuFactory)
{
    public const long DefaultSliceBudget = 30_000;

    public static VcpuOptions Default { get; } = new(DefaultSliceBudget, null, null);

    /// <summary>The real vCPU's engine (config: lguest.vcpu.engine).</summary>
    public Cpu.CpuEngine Engine { get; init; } = Cpu.CpuEngine.Compiled;

    /// <summary>
    /// The guest's time-stamp counter (RDTSC, lguest_data.tsc_khz). Null: nanoseconds of the
    /// vCPU's clock's monotonic timestamp (<see cref="Cpu.ClockTsc"/>): the host's clock in real
    /// time, the world's virtual time in a simulation; another source may be plugged in here.
    /// </summary>
    public Cpu.ITscSource? Tsc { get; init; }
}

/// <summary>Ask the vCPU how it stands (diagnostics and tests). Replies <see cref="VcpuStatus"/>.</summary>
public sealed record GetVcpuStatus
{
    public static readonly GetVcpuStatus Instance = new();
}

/// <param name="Running">Initialized and not exited.</param>
/// <param name="Halted">Waiting for an IRQ (HALT hypercall or HLT).</param>
/// <param name="Parked">Held by Break(on).</param>
/// <param name="ServingNotify">Stopped at a NOTIFY until the launcher answers <see cref="Protocol.NotifyServed"/>.</param>
/// <param name="Slices">Slices run so far.</param>
public sealed record VcpuStatus(bool Running, bool Halted, bool Parked, bool ServingNotify, long Slices)
{
    /// <summary>The engine of the real vCPU; null for another <see cref="IGuestCpu"/> (a test's scripted one) or before Initialize.</summary>
    public Cpu.CpuEngine? Engine { get; init; }

    /// <summary>What the compiled engine has done; null as for <see cref="Engine"/>.</summary>
    public Cpu.CompiledCodeStats? Compiled { get; init; }
}

/// <summary>The vCPU's own "run the next slice" message. Cached.</summary>
internal sealed record Continue
{
    public static readonly Continue Instance = new();
}

/// <summary>The clock event armed by SET_CLOCKEVENT fired: IRQ 0. Cached.</summary>
internal sealed record ClockEvent
{
    public static readonly ClockEvent Instance = new();
}
