using System.Runtime.CompilerServices;
using LguestActors.Cpu.Decode;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu;

/// <summary>
/// The i386 protected-mode interpreter: one vCPU. Plain C#: no threads, no I/O, no Akka.
/// The owner drives it with <see cref="Run"/> and serves the exits.
/// </summary>
/// <remarks>
/// Split by concern: Cpu.Run.cs (the loop and the decode cache), Cpu.Flags.cs (lazy EFLAGS),
/// Cpu.Paging.cs (page walk, TLB, linear memory access), Cpu.Exceptions.cs (IDT delivery and
/// fatal faults), Cpu.Lguest.cs (local hypercalls, IRQ delivery, virtual IF), and the
/// instruction handlers in Execute/.
/// </remarks>
public sealed unsafe partial class Cpu
{
    // Registers in x86 encoding order EAX ECX EDX EBX ESP EBP ESI EDI, plus a ninth slot that is
    // always zero, so an effective address without a base or index register needs no branch.
    private readonly uint[] _regArray = GC.AllocateArray<uint>(9, pinned: true);
    internal readonly uint* R;

    // Segment bases an effective address may add: [0] none (flat), [1] FS, [2] GS.
    private readonly uint[] _segArray = GC.AllocateArray<uint>(3, pinned: true);
    internal readonly uint* SegBase;

    internal readonly byte* Mem;
    internal readonly uint MemSize;

    internal uint _eip;
    internal ulong _retired;

    // Selectors as last loaded, in ES CS SS DS FS GS order (Iced's order); only FS/GS bases
    // matter. lguest's launcher started the guest with __KERNEL_CS|1 and __KERNEL_DS|1.
    internal readonly ushort[] Selectors = [KernelDs, KernelCs, KernelDs, KernelDs, 0, 0];

    public Cpu(GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Memory = memory;
        R = (uint*)Unsafe.AsPointer(ref _regArray[0]);
        SegBase = (uint*)Unsafe.AsPointer(ref _segArray[0]);
        _tlb = (TlbEntry*)Unsafe.AsPointer(ref _tlbArray[0]);
        _fast = _fastKernel;
        SetCpl(KernelPl);
        // GuestMemory's mapping lives until its owner disposes it, after the vCPU has stopped.
        Mem = memory.Pointer;
        MemSize = (uint)memory.Size;
        _decoder = new BlockDecoder(this);
        _eflags = 0x2;
    }

    public GuestMemory Memory { get; }

    public uint Eax { get => R[0]; set => R[0] = value; }
    public uint Ecx { get => R[1]; set => R[1] = value; }
    public uint Edx { get => R[2]; set => R[2] = value; }
    public uint Ebx { get => R[3]; set => R[3] = value; }
    public uint Esp { get => R[4]; set => R[4] = value; }
    public uint Ebp { get => R[5]; set => R[5] = value; }
    public uint Esi { get => R[6]; set => R[6] = value; }
    public uint Edi { get => R[7]; set => R[7] = value; }
    public uint Eip { get => _eip; set => _eip = value; }

    public uint Cr2 { get; set; }
    public uint Cr3 { get; private set; }
    public bool PagingEnabled { get; private set; }

    public uint FsBase { get => SegBase[1]; set => SegBase[1] = value; }
    public uint GsBase { get => SegBase[2]; set => SegBase[2] = value; }

    /// <summary>Guest instructions retired since reset.</summary>
    public ulong Retired => _retired;

    /// <summary>Physical address of lguest_data after LGUEST_INIT; 0 before.</summary>
    public uint LguestDataAddress { get; set; }

    public HypercallRequest PendingHypercall { get; private set; }

    public GuestFault? Fault { get; private set; }

    /// <summary>True after HLT until an IRQ is delivered or <see cref="WakeFromHalt"/> is called.</summary>
    public bool Halted { get; private set; }

    /// <summary>The stack the guest registered with SET_STACK (lguest used it for traps from user mode).</summary>
    public uint KernelStackSegment { get; private set; }

    public uint KernelStackPointer { get; private set; }

    /// <summary>Writes a hypercall's result to EAX.</summary>
    public void CompleteHypercall(uint result) => R[0] = result;

    /// <summary>Loads CR3 (page directory physical address), turns paging on and flushes the TLB.</summary>
    public void LoadCr3(uint pgdir)
    {
        Cr3 = pgdir & 0xFFFFF000;
        PagingEnabled = true;
        FlushTlb();
    }

    internal void RequestHypercall()
    {
        PendingHypercall = new HypercallRequest(R[0], R[3], R[1], R[2], R[6]);
        _exit = ExitReason.Hypercall;
        _stop = true;
    }

    internal void EnterHalt()
    {
        Halted = true;
        _exit = ExitReason.Halt;
        _stop = true;
    }

    /// <summary>Lets a halted guest run again (lguest's HALT: "enable interrupts and wait").</summary>
    public void WakeFromHalt() => Halted = false;

    internal static string FormatRegisters(Cpu c) =>
        $"EAX={c.Eax:x8} ECX={c.Ecx:x8} EDX={c.Edx:x8} EBX={c.Ebx:x8} ESP={c.Esp:x8} EBP={c.Ebp:x8} ESI={c.Esi:x8} EDI={c.Edi:x8} " +
        $"EIP={c._eip:x8} EFLAGS={c.Eflags:x8} CR2={c.Cr2:x8} CR3={c.Cr3:x8} FS.base={c.FsBase:x8} GS.base={c.GsBase:x8}";
}
