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

    /// <summary>EFLAGS from POPF/IRET: IF goes to the virtual flag.</summary>
    internal void PoppedFlags(uint value, int size)
    {
        uint keep = size == 2 ? Eflags & 0xFFFF0000 : Eflags & 0x00030000;
        uint low = size == 2 ? value & 0xFFFF : value & ~0x00030000u;
        Eflags = keep | low;
        SetInterruptsEnabled((value & IF) != 0);
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
                return true;
            case Hypercalls.LoadIdtEntry:
                if (call.Arg1 > 255)
                {
                    SetFatal($"LOAD_IDT_ENTRY: vector {call.Arg1} out of range", _eip);
                    return true;
                }
                SetIdtEntry((int)call.Arg1, call.Arg2, call.Arg3);
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
                KernelStackSegment = call.Arg1;
                KernelStackPointer = call.Arg2;
                return true;
            case Hypercalls.Ts:
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

    private void SetGdtEntry(int index, ulong descriptor)
    {
        _gdt[index] = descriptor;
        // A segment register already holding this selector sees the new base, as Linux expects
        // after LOAD_TLS on a context switch (it reloads %gs anyway).
        if (Selectors[4] >> 3 == index)
        {
            FsBase = DescriptorBase(descriptor);
        }
        if (Selectors[5] >> 3 == index)
        {
            GsBase = DescriptorBase(descriptor);
        }
    }

    private static uint DescriptorBase(ulong d) =>
        (uint)(((d >> 16) & 0xFFFFFF) | ((d >> 32) & 0xFF000000));

    /// <summary>Loads a segment register (Iced order ES CS SS DS FS GS); only FS and GS have a base.</summary>
    internal void LoadSegment(int sreg, ushort selector)
    {
        Selectors[sreg] = selector;
        int index = selector >> 3;
        uint segBase = index == 0 || index >= _gdt.Length ? 0 : DescriptorBase(_gdt[index]);
        if (sreg == 4)
        {
            FsBase = segBase;
        }
        else if (sreg == 5)
        {
            GsBase = segBase;
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
