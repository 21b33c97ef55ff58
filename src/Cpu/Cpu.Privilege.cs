namespace LguestActors.Cpu;

// Privilege levels as lguest ran its guest: the guest kernel at ring 1 (GUEST_PL; Linux's
// lguest_init sets pv_info.kernel_rpl = 1), its processes at ring 3. The CPL changes only
// through interrupt delivery (inward, to ring 1) and IRET (outward). Each privilege has its own
// software TLB and its own linear-EIP block table, so a ring-3 access or fetch can only ever hit
// a translation that was checked with user rights.
public sealed unsafe partial class Cpu
{
    /// <summary>lguest's GUEST_PL: the ring the guest kernel runs in.</summary>
    public const int KernelPl = 1;

    /// <summary>The ring of user processes.</summary>
    public const int UserPl = 3;

    /// <summary>__KERNEL_CS | GUEST_PL: lguest put this in CS for every trap and interrupt it delivered.</summary>
    public const ushort KernelCs = 0x61;

    /// <summary>__KERNEL_DS | GUEST_PL: the data and stack segment lguest's launcher started the guest with.</summary>
    public const ushort KernelDs = 0x69;

    internal int _cpl = KernelPl;

    /// <summary>The current privilege level: 1 (the guest kernel) or 3 (a user process).</summary>
    public int Cpl => _cpl;

    internal bool UserMode => _cpl == UserPl;

    /// <summary>Changes the CPL and points the TLB and the block table at that privilege's own.</summary>
    internal void SetCpl(int cpl)
    {
        _cpl = cpl;
        bool user = cpl == UserPl;
        _rTlb = _tlb + (user ? 2 * TlbSize : 0);
        _wTlb = _rTlb + TlbSize;
        _fast = user ? _fastUser : _fastKernel;
    }

    /// <summary>Instructions that need CPL 0 on the hardware: lguest's ring-1 kernel is let through (as before), ring 3 gets #GP(0).</summary>
    internal void RequireKernel()
    {
        if (_cpl == UserPl)
        {
            throw new GuestTrap(Vectors.GeneralProtection, 0);
        }
    }

    /// <summary>
    /// INT n, INT3, INTO. The gate's DPL must be at least the CPL, or #GP with the IDT error code
    /// (vector &lt;&lt; 3 | 2). The DPL is the one lguest's host IDT had: the guest's own for the traps
    /// it let go straight to the guest and for the system-call vector; 0 (so #GP from the guest)
    /// for NMI, #DF, #NM, #GP, #PF, vector 15 and every other vector from 32 up. Vector 0x1f is
    /// the hypercall trap, which lguest gave DPL 1: a user process never makes a hypercall.
    /// </summary>
    internal void SoftwareInterrupt(int vector, uint next)
    {
        if (vector == Lguest.Hypercalls.TrapEntryVector)
        {
            if (_cpl > KernelPl)
            {
                throw new GuestTrap(Vectors.GeneralProtection, ((uint)vector << 3) | 2);
            }

            _eip = next;
            RequestHypercall();
            return;
        }

        if (SoftwareGateDpl(vector) < _cpl)
        {
            throw new GuestTrap(Vectors.GeneralProtection, ((uint)vector << 3) | 2);
        }

        Deliver(vector, false, 0, next);
    }

    private int SoftwareGateDpl(int vector)
    {
        bool hostOwned = vector is 2 or 7 or 8 or 13 or 14 or 15
            || (vector >= 32 && vector != SyscallVector && vector != _guestSyscallVector);
        return hostOwned || !GatePresent(vector) ? 0 : (int)((_idt[vector] >> 45) & 3);
    }

    /// <summary>
    /// IRET. To the same ring: EIP, CS, EFLAGS. To an outer ring (ring 1 to ring 3): ESP and SS
    /// too, and data segment registers the new ring may not use are cleared, as the hardware
    /// does. To an inner ring: #GP. Everything is read before anything changes.
    /// </summary>
    internal void InterruptReturn()
    {
        uint sp = R[4];
        uint eip = Read32(sp);
        uint cs = Read32(sp + 4) & 0xFFFF;
        uint flags = Read32(sp + 8);
        int rpl = (int)(cs & 3);
        if (rpl < _cpl)
        {
            throw new GuestTrap(Vectors.GeneralProtection, cs & 0xFFFC);
        }

        if (rpl == _cpl)
        {
            R[4] = sp + 12;
            Selectors[1] = (ushort)cs;
            _eip = eip;
            PoppedFlags(flags, 4);
            return;
        }

        uint esp = Read32(sp + 12);
        uint ss = Read32(sp + 16) & 0xFFFF;
        if ((ss & 3) != rpl)
        {
            throw new GuestTrap(Vectors.GeneralProtection, ss & 0xFFFC);
        }

        PoppedFlags(flags, 4);
        R[4] = esp;
        Selectors[1] = (ushort)cs;
        Selectors[2] = (ushort)ss;
        _eip = eip;
        SetCpl(rpl);
        foreach (int sreg in DataSegmentRegisters)
        {
            if (!DataSegmentUsable(Selectors[sreg], rpl))
            {
                Selectors[sreg] = 0;
                SetSegmentBase(sreg, 0);
            }
        }
    }

    private static readonly int[] DataSegmentRegisters = [0, 3, 4, 5];

    // A data or non-conforming code segment whose DPL is below the new CPL is unusable there.
    private bool DataSegmentUsable(ushort selector, int cpl)
    {
        if ((selector & ~3) == 0)
        {
            return true;
        }

        ulong d = Descriptor(selector);
        return IsCodeOrData(d) && ((IsCode(d) && TypeBit2(d)) || DescriptorDpl(d) >= cpl);
    }
}
