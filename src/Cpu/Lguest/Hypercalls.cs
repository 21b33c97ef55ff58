namespace LguestActors.Cpu.Lguest;

/// <summary>
/// The lguest hypercall numbers of the final i386 ABI (Linux 2.6.3x–4.13, asm/lguest_hcall.h).
/// Older lguest versions numbered some of these differently; this is the one list the project uses.
/// A guest traps with <c>int 0x1f</c> (LGUEST_TRAP_ENTRY) or <c>vmcall</c>, the call number in EAX
/// and arguments in EBX, ECX, EDX, ESI; the result goes back in EAX.
/// </summary>
public static class Hypercalls
{
    public const byte TrapEntryVector = 0x1f;

    public const uint FlushAsync = 0;
    public const uint LguestInit = 1;
    public const uint Shutdown = 2;
    public const uint NewPgtable = 4;
    public const uint FlushTlb = 5;
    public const uint LoadIdtEntry = 6;
    public const uint SetStack = 7;
    public const uint Ts = 8;
    public const uint SetClockEvent = 9;
    public const uint Halt = 10;
    public const uint SetPmd = 13;
    public const uint SetPte = 14;
    public const uint SetPgd = 15;
    public const uint LoadTls = 16;
    public const uint Notify = 17;
    public const uint LoadGdtEntry = 18;
    public const uint SendInterrupts = 19;

    /// <summary>SHUTDOWN's second argument.</summary>
    public const uint ShutdownPowerOff = 1;
    public const uint ShutdownRestart = 2;

    public static string Name(uint call) => call switch
    {
        FlushAsync => "FLUSH_ASYNC",
        LguestInit => "LGUEST_INIT",
        Shutdown => "SHUTDOWN",
        NewPgtable => "NEW_PGTABLE",
        FlushTlb => "FLUSH_TLB",
        LoadIdtEntry => "LOAD_IDT_ENTRY",
        SetStack => "SET_STACK",
        Ts => "TS",
        SetClockEvent => "SET_CLOCKEVENT",
        Halt => "HALT",
        SetPmd => "SET_PMD",
        SetPte => "SET_PTE",
        SetPgd => "SET_PGD",
        LoadTls => "LOAD_TLS",
        Notify => "NOTIFY",
        LoadGdtEntry => "LOAD_GDT_ENTRY",
        SendInterrupts => "SEND_INTERRUPTS",
        _ => $"unknown({call})",
    };
}

/// <summary>A hypercall the guest made: the call number (EAX) and its four arguments.</summary>
public readonly record struct HypercallRequest(uint Call, uint Arg1, uint Arg2, uint Arg3, uint Arg4)
{
    public override string ToString() =>
        $"{Hypercalls.Name(Call)}(0x{Arg1:x}, 0x{Arg2:x}, 0x{Arg3:x}, 0x{Arg4:x})";
}
