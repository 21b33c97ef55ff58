using LguestActors.Cpu.Lguest;

namespace LguestActors.Cpu;

// The lguest paravirtual side of the vCPU: the virtual interrupt flag in lguest_data, the
// hypercalls that only change vCPU state, and IRQ delivery by lguest's rules.
public sealed unsafe partial class Cpu
{
    /// <summary>
    /// What RDTSC reads and LGUEST_INIT announces in lguest_data.tsc_khz. By default one tick per
    /// retired instruction (deterministic); a vCPU that runs in real time or in a simulation gives
    /// it a clock (<see cref="ClockTsc"/>) so the counter keeps time while the guest is halted.
    /// </summary>
    public ITscSource Tsc { get; set; } = RetiredInstructionTsc.Instance;

    /// <summary>The rate every TSC source here announces in lguest_data.tsc_khz: 1 GHz, a tick a nanosecond (or an instruction).</summary>
    public const uint VirtualTscKhz = 1_000_000;

    /// <summary>lguest's GDT_ENTRY_TLS_MIN on i386: LOAD_TLS fills GDT slots 6, 7, 8.</summary>
    public const int TlsGdtSlot = 6;

    /// <summary>Linux's SYSCALL_VECTOR: the one vector from 32 up that lguest let the guest's processes trap to.</summary>
    public const int SyscallVector = 0x80;

    // lguest_data.syscall_vec as the guest gave it at LGUEST_INIT: the vector its processes use
    // for system calls (Linux: 0x80). lguest's host honoured it as its syscall_vector module
    // parameter: a vector from 32 up is delivered to the guest only if it is the system-call one.
    private int _guestSyscallVector = SyscallVector;

    private int _nextAsyncCall;
    private readonly Queue<HypercallRequest> _deferredAsync = new();

    /// <summary>
    /// Asynchronous hypercalls (from lguest_data's ring, run by FLUSH_ASYNC) that need the owner
    /// (NOTIFY, SET_CLOCKEVENT, ...). The owner serves them as if the guest had made them.
    /// </summary>
    public bool TryDequeueDeferredHypercall(out HypercallRequest call) => _deferredAsync.TryDequeue(out call);

    /// <summary>
    /// Runs what the guest queued in lguest_data's hypercall ring (lguest's do_async_hcalls): the
    /// owner calls it before serving every hypercall, as lguest's host did, not only on FLUSH_ASYNC.
    /// Calls that need the owner wait in <see cref="TryDequeueDeferredHypercall"/>.
    /// </summary>
    public void DrainAsyncHypercalls() => FlushAsync();

    /// <summary>The guest's interrupt flag: lguest_data.irq_enabled once registered, EFLAGS.IF before.</summary>
    internal bool InterruptsEnabled =>
        LguestDataAddress != 0
            ? (ReadPhys32(LguestDataAddress + LguestDataLayout.IrqEnabled) & LguestDataLayout.InterruptsOn) != 0
            : (_eflags & IF) != 0;

    internal void SetInterruptsEnabled(bool on)
    {
        if (LguestDataAddress != 0)
        {
            WritePhys32(LguestDataAddress + LguestDataLayout.IrqEnabled, on ? LguestDataLayout.InterruptsOn : 0);
        }
        else if (on)
        {
            _eflags |= IF;
        }
        else
        {
            _eflags &= ~IF;
        }
    }

    /// <summary>EFLAGS as PUSHF and an interrupt frame show it: IF is the virtual one.</summary>
    internal uint PushedFlags() => (Eflags & ~IF) | (InterruptsEnabled ? IF : 0);

    /// <summary>
    /// EFLAGS from POPF/IRET. IOPL never changes: only ring 0 may change it, and lguest never ran
    /// its guest there. IF: in the ring-1 kernel it goes to the virtual flag (lguest's iret and
    /// restore_fl wrote irq_enabled); in ring 3 (CPL above IOPL 0) the hardware leaves IF alone,
    /// so a process can never turn the kernel's interrupts off.
    /// </summary>
    internal void PoppedFlags(uint value, int size)
    {
        uint fixedBits = (size == 2 ? 0xFFFF0000u : 0x00030000u) | Iopl;
        bool ifWritable = _cpl <= KernelPl;
        if (!ifWritable)
        {
            fixedBits |= IF;
        }
        Eflags = (Eflags & fixedBits) | (value & ~fixedBits);
        if (ifWritable)
        {
            SetInterruptsEnabled((value & IF) != 0);
        }
    }

    public bool TryServeLocalHypercall(in HypercallRequest call, out uint result)
    {
        result = 0;
        switch (call.Call)
        {
            case Hypercalls.LguestInit:
                if (!Memory.Contains(call.Arg1, LguestDataLayout.Size) || call.Arg1 == 0)
                {
                    SetFatal($"LGUEST_INIT: lguest_data at 0x{call.Arg1:x8} is outside guest memory", _eip);
                    return true;
                }
                LguestDataAddress = call.Arg1;
                Memory.WriteU32(call.Arg1 + LguestDataLayout.TscKhz, Tsc.KiloHertz);
                _nextAsyncCall = 0;
                // lguest's check_syscall_vector(): a vector the host cannot give is fatal. Here
                // that is one below 64 (exceptions, the hypercall trap, the 32 IRQ vectors); 0
                // (a guest with no processes, like this project's sample kernel, leaves it so)
                // means lguest's default, 0x80.
                uint syscallVec = Memory.ReadU32(call.Arg1 + LguestDataLayout.SyscallVec);
                if (syscallVec != 0 && syscallVec is < LguestDataLayout.IrqVectorBase + LguestDataLayout.IrqCount or > 255)
                {
                    SetFatal($"LGUEST_INIT: bad syscall vector {syscallVec} in lguest_data.syscall_vec (expected 0x80, or another from 64 to 255)", _eip);
                    return true;
                }
                _guestSyscallVector = syscallVec == 0 ? SyscallVector : (int)syscallVec;
                return true;
            case Hypercalls.LoadIdtEntry:
                LoadGuestIdtEntry(call.Arg1, call.Arg2, call.Arg3);
                return true;
            case Hypercalls.NewPgtable:
                if (!Memory.Contains(call.Arg1 & 0xFFFFF000, 4096))
                {
                    SetFatal($"NEW_PGTABLE: page directory 0x{call.Arg1:x8} outside guest memory", _eip);
                    return true;
                }
                LoadCr3(call.Arg1);
                return true;
            case Hypercalls.FlushTlb:
            case Hypercalls.SetPte:
            case Hypercalls.SetPgd:
            case Hypercalls.SetPmd:
                // The guest wrote its own page tables; dropping every cached translation is the
                // simplest correct reading of lguest's shadow-table updates.
                FlushTlb();
                return true;
            case Hypercalls.LoadTls:
                if (!Memory.Contains(call.Arg1, 24))
                {
                    SetFatal($"LOAD_TLS: entries at 0x{call.Arg1:x8} outside guest memory", _eip);
                    return true;
                }
                for (int i = 0; i < 3; i++)
                {
                    SetGdtEntry(TlsGdtSlot + i, Memory.ReadU64(call.Arg1 + (uint)(8 * i)));
                }
                return true;
            case Hypercalls.LoadGdtEntry:
                if (call.Arg1 >= _gdt.Length)
                {
                    SetFatal($"LOAD_GDT_ENTRY: index {call.Arg1} out of range", _eip);
                    return true;
                }
                SetGdtEntry((int)call.Arg1, ((ulong)call.Arg3 << 32) | call.Arg2);
                return true;
            case Hypercalls.SetStack:
                // lguest's guest_set_stack(): the stack must be at ring 1, and one or two pages.
                if ((call.Arg1 & 3) != KernelPl)
                {
                    SetFatal($"SET_STACK: bad stack segment 0x{call.Arg1:x} (not at privilege level {KernelPl})", _eip);
                    return true;
                }
                if (call.Arg3 > 2)
                {
                    SetFatal($"SET_STACK: bad stack pages {call.Arg3} (one or two)", _eip);
                    return true;
                }
                KernelStackSegment = call.Arg1;
                KernelStackPointer = call.Arg2;
                return true;
            case Hypercalls.Ts:
                // lguest's guest never writes CR0: its write_cr0 passes only TS down.
                TaskSwitched = (call.Arg1 & Cr0Ts) != 0;
                return true;
            case Hypercalls.FlushAsync:
                FlushAsync();
                return true;
            case Hypercalls.Shutdown:
            case Hypercalls.Halt:
            case Hypercalls.Notify:
            case Hypercalls.SetClockEvent:
            case Hypercalls.SendInterrupts:
                return false;
            default:
                SetFatal($"unknown hypercall {call.Call}", _eip);
                return true;
        }
    }

    // lguest's load_guest_idt_entry(): the guest never handles NMI, #DF, vector 15 or the
    // hypercall trap (those writes are ignored); a present gate must be an interrupt (0xE) or
    // trap (0xF) gate, anything else kills the guest.
    private void LoadGuestIdtEntry(uint vector, uint low, uint high)
    {
        if (vector > 255)
        {
            SetFatal($"LOAD_IDT_ENTRY: vector {vector} out of range", _eip);
            return;
        }
        if (vector is 2 or 8 or 15 or Hypercalls.TrapEntryVector)
        {
            return;
        }
        uint type = (high >> 8) & 0xF;
        if ((high & 0x8000) != 0 && type is not (0xE or 0xF))
        {
            SetFatal($"LOAD_IDT_ENTRY: vector {vector} has gate type 0x{type:x} (only interrupt 0xE and trap 0xF gates)", _eip);
            return;
        }
        SetIdtEntry((int)vector, (high & 0x8000) == 0 ? 0 : low, (high & 0x8000) == 0 ? 0 : high);
    }

    // lguest's do_async_hcalls: walk the ring from where we stopped; status 0 means the guest
    // filled the slot, 0xFF that the host has done it.
    private void FlushAsync()
    {
        uint data = LguestDataAddress;
        if (data == 0)
        {
            return;
        }
        for (int n = 0; n < LguestDataLayout.HcallCount; n++)
        {
            uint statusAddr = data + LguestDataLayout.HcallStatus + (uint)_nextAsyncCall;
            if (Memory.ReadU8(statusAddr) == 0xFF)
            {
                break;
            }
            uint entry = data + LguestDataLayout.Hcalls + (uint)(_nextAsyncCall * LguestDataLayout.HcallSize);
            var call = new HypercallRequest(Memory.ReadU32(entry), Memory.ReadU32(entry + 4), Memory.ReadU32(entry + 8),
                Memory.ReadU32(entry + 12), Memory.ReadU32(entry + 16));
            if (call.Call == Hypercalls.FlushAsync || !TryServeLocalHypercall(call, out _))
            {
                if (call.Call != Hypercalls.FlushAsync)
                {
                    _deferredAsync.Enqueue(call);
                }
            }
            Memory.WriteU8(statusAddr, 0xFF);
            _nextAsyncCall = (_nextAsyncCall + 1) % LguestDataLayout.HcallCount;
            if (Fault != null)
            {
                break;
            }
        }
    }

    public IrqDelivery TryDeliverIrq(int irq)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(irq);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(irq, LguestDataLayout.IrqCount);
        uint data = LguestDataAddress;
        if (data == 0)
        {
            return IrqDelivery.Disabled;
        }
        if ((Memory.ReadU32(data + LguestDataLayout.IrqEnabled) & LguestDataLayout.InterruptsOn) == 0)
        {
            Memory.WriteU32(data + LguestDataLayout.IrqPending, LguestDataLayout.InterruptsOn);
            return IrqDelivery.Disabled;
        }
        if ((Memory.ReadU32(data + LguestDataLayout.BlockedInterrupts) & (1u << irq)) != 0)
        {
            return IrqDelivery.Blocked;
        }
        uint start = Memory.ReadU32(data + LguestDataLayout.NoIrqStart);
        uint end = Memory.ReadU32(data + LguestDataLayout.NoIrqEnd);
        if (_eip >= start && _eip < end)
        {
            return IrqDelivery.NoIrqWindow;
        }
        int vector = LguestDataLayout.IrqVectorBase + irq;
        if (!GatePresent(vector))
        {
            return IrqDelivery.NoHandler;
        }
        Halted = false;
        if (Fault != null)
        {
            return IrqDelivery.Delivered;
        }
        try
        {
            Deliver(vector, false, 0, _eip);
        }
        catch (FatalGuestException e)
        {
            SetFatal(e.Message, _eip);
        }
        return IrqDelivery.Delivered;
    }
}
