using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu;

/// <summary>
/// The i386 protected-mode interpreter: one vCPU. Plain C#: no threads, no I/O, no Akka.
/// The owner drives it with <see cref="Run"/> and serves the exits.
/// </summary>
/// <remarks>API skeleton: the interpreter proper is being filled in behind this surface.</remarks>
public sealed partial class Cpu
{
    public Cpu(GuestMemory memory)
    {
        Memory = memory;
    }

    public GuestMemory Memory { get; }

    // General registers, in the x86 encoding order EAX ECX EDX EBX ESP EBP ESI EDI.
    public uint Eax { get; set; }
    public uint Ecx { get; set; }
    public uint Edx { get; set; }
    public uint Ebx { get; set; }
    public uint Esp { get; set; }
    public uint Ebp { get; set; }
    public uint Esi { get; set; }
    public uint Edi { get; set; }
    public uint Eip { get; set; }
    public uint Eflags { get; set; } = 0x2;

    public uint Cr2 { get; set; }
    public uint Cr3 { get; private set; }
    public bool PagingEnabled { get; private set; }
    public uint FsBase { get; set; }
    public uint GsBase { get; set; }

    /// <summary>Guest instructions retired since reset.</summary>
    public ulong Retired { get; private set; }

    /// <summary>Physical address of lguest_data after LGUEST_INIT; 0 before.</summary>
    public uint LguestDataAddress { get; set; }

    public HypercallRequest PendingHypercall { get; private set; }

    public GuestFault? Fault { get; private set; }

    public RunExit Run(long budget) => throw new NotImplementedException("the interpreter is not written yet");

    /// <summary>Writes a hypercall's result to EAX.</summary>
    public void CompleteHypercall(uint result) => Eax = result;

    /// <summary>Loads CR3 (page directory physical address), turns paging on and flushes the TLB.</summary>
    public void LoadCr3(uint pgdir)
    {
        Cr3 = pgdir;
        PagingEnabled = true;
    }

    /// <summary>
    /// Serves a hypercall that only changes vCPU state (IDT, page tables, TLB, GDT/TLS, stack,
    /// LGUEST_INIT's address, FLUSH_ASYNC's batch). Returns false for the ones that need the
    /// outside world (SHUTDOWN, HALT, NOTIFY, SET_CLOCKEVENT, SEND_INTERRUPTS), which the owner serves.
    /// </summary>
    public bool TryServeLocalHypercall(in HypercallRequest call, out uint result) => throw new NotImplementedException();

    public void SetIdtEntry(int vector, uint low, uint high) => throw new NotImplementedException();

    public IrqDelivery TryDeliverIrq(int irq) => throw new NotImplementedException();
}
