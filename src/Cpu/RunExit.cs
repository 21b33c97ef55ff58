namespace LguestActors.Cpu;

/// <summary>Why <see cref="Cpu.Run"/> returned.</summary>
public enum ExitReason
{
    /// <summary>The instruction budget is spent; call Run again to continue.</summary>
    BudgetSpent,

    /// <summary>The guest made a hypercall (<see cref="Cpu.PendingHypercall"/>); EIP is already past the trap.</summary>
    Hypercall,

    /// <summary>The guest executed HLT with interrupts enabled; it waits for an interrupt.</summary>
    Halt,

    /// <summary>A fatal guest fault (<see cref="Cpu.Fault"/>): the guest cannot continue.</summary>
    Fault,

    /// <summary>
    /// The guest is spin-waiting on PAUSE (PAUSE-loop exiting): EIP is past the PAUSE; call Run
    /// again to continue, after giving whatever it waits for (a device) a chance to run.
    /// </summary>
    Pause,
}

/// <summary>The result of one <see cref="Cpu.Run"/> slice.</summary>
public readonly record struct RunExit(ExitReason Reason, long Executed);

/// <summary>Outcome of trying to deliver an lguest IRQ to the guest.</summary>
public enum IrqDelivery
{
    /// <summary>The frame is on the guest stack and EIP is at the handler.</summary>
    Delivered,

    /// <summary>lguest_data.irq_enabled is off (or no lguest_data yet): the IRQ stays pending; irq_pending is set.</summary>
    Disabled,

    /// <summary>The IRQ's bit is set in lguest_data.blocked_interrupts.</summary>
    Blocked,

    /// <summary>EIP lies in the guest's [noirq_start, noirq_end) window.</summary>
    NoIrqWindow,

    /// <summary>The IRQ's IDT gate is not present: the guest has no handler for it.</summary>
    NoHandler,
}

/// <summary>A fatal guest fault with the diagnostic a person needs to find it.</summary>
public sealed record GuestFault(string Reason, uint Eip, string InstructionBytes, string Disassembly, string Registers)
{
    public override string ToString() =>
        $"guest fault: {Reason} at EIP 0x{Eip:x8} [{InstructionBytes}] {Disassembly}{Environment.NewLine}{Registers}";
}
