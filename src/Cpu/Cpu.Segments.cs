namespace LguestActors.Cpu;

// The GDT as lguest's host kept it for the guest (segments.c), and segment loads. Segmentation is
// flat here: a segment register contributes only a base (FS and GS, for TLS and per-cpu data),
// and its descriptor's type and DPL, which decide what ring 3 may load and what VERR/VERW say.
public sealed unsafe partial class Cpu
{
    /// <summary>GDT_ENTRIES on i386.</summary>
    public const int GdtEntries = 32;

    // GDT_ENTRY_KERNEL_CS and _DS, which lguest's setup_guest_gdt() filled in before the guest
    // ran: flat 4 GiB code and data at DPL 1.
    private const int KernelCsEntry = 12;
    private const int KernelDsEntry = 13;

    private readonly ulong[] _gdt = CreateBootGdt();

    private static ulong[] CreateBootGdt()
    {
        var gdt = new ulong[GdtEntries];
        gdt[KernelCsEntry] = 0x00CFBB00_0000FFFFul;
        gdt[KernelDsEntry] = 0x00CFB300_0000FFFFul;
        return gdt;
    }

    // lguest's ignored_gdt(): GDT_ENTRY_LGUEST_CS, _DS, the TSS and the double-fault TSS belong
    // to the host; what the guest writes there never takes effect.
    private static bool HostOwnedGdtEntry(int index) => index is 10 or 11 or 16 or 31;

    /// <summary>
    /// Sets a GDT entry as lguest's load_guest_gdt_entry() did: host-owned entries are left
    /// alone, a DPL of 0 becomes 1 (the guest kernel runs at ring 1) and the accessed bit is set.
    /// </summary>
    internal void SetGdtEntry(int index, ulong descriptor)
    {
        if (HostOwnedGdtEntry(index))
        {
            return;
        }

        if (DescriptorDpl(descriptor) == 0)
        {
            descriptor |= (ulong)KernelPl << 45;
        }

        descriptor |= 1ul << 40;
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

    private static int DescriptorDpl(ulong d) => (int)((d >> 45) & 3);

    private static bool IsCodeOrData(ulong d) => ((d >> 44) & 1) != 0;

    private static bool IsCode(ulong d) => ((d >> 43) & 1) != 0;

    // bit 42: conforming (code) / expand-down (data); bit 41: readable (code) / writable (data)
    private static bool TypeBit2(ulong d) => ((d >> 42) & 1) != 0;

    private static bool TypeBit1(ulong d) => ((d >> 41) & 1) != 0;

    private static bool IsPresent(ulong d) => ((d >> 47) & 1) != 0;

    /// <summary>The GDT descriptor a selector names; 0 for the null selector, an LDT selector (lguest gave no LDT) or one past the table.</summary>
    private ulong Descriptor(ushort selector)
    {
        int index = selector >> 3;
        return (selector & 4) != 0 || index >= GdtEntries ? 0 : _gdt[index];
    }

    /// <summary>Loads a segment register (Iced order ES CS SS DS FS GS); only FS and GS have a base.</summary>
    internal void LoadSegment(int sreg, ushort selector)
    {
        if (_cpl == UserPl)
        {
            CheckUserSegmentLoad(sreg, selector);
        }

        Selectors[sreg] = selector;
        ulong d = (selector & ~3) == 0 ? 0 : Descriptor(selector);
        SetSegmentBase(sreg, DescriptorBase(d));
    }

    private void SetSegmentBase(int sreg, uint segBase)
    {
        if (sreg == 4)
        {
            FsBase = segBase;
        }
        else if (sreg == 5)
        {
            GsBase = segBase;
        }
    }

    // The protected-mode checks of MOV/POP to a segment register, for ring 3 (the guest kernel
    // at ring 1 is trusted with its own selectors, as before). #GP(selector), or #NP / #SS for
    // a descriptor that is not present.
    private void CheckUserSegmentLoad(int sreg, ushort selector)
    {
        uint error = selector & 0xFFFCu;
        if ((selector & ~3) == 0)
        {
            if (sreg == 2)
            {
                throw new GuestTrap(Vectors.GeneralProtection, 0); // a null SS outside ring 0
            }

            return;
        }

        ulong d = Descriptor(selector);
        int rpl = selector & 3;
        int dpl = DescriptorDpl(d);
        if (!IsCodeOrData(d))
        {
            throw new GuestTrap(Vectors.GeneralProtection, error);
        }

        if (sreg == 2)
        {
            if (rpl != _cpl || dpl != _cpl || IsCode(d) || !TypeBit1(d))
            {
                throw new GuestTrap(Vectors.GeneralProtection, error);
            }

            if (!IsPresent(d))
            {
                throw new GuestTrap(Vectors.StackFault, error);
            }

            return;
        }

        bool conformingCode = IsCode(d) && TypeBit2(d);
        if ((IsCode(d) && !TypeBit1(d)) || (!conformingCode && (dpl < _cpl || dpl < rpl)))
        {
            throw new GuestTrap(Vectors.GeneralProtection, error);
        }

        if (!IsPresent(d))
        {
            throw new GuestTrap(Vectors.SegmentNotPresent, error);
        }
    }

    /// <summary>
    /// VERR / VERW: whether the segment could be read / written from the current ring, by the
    /// SDM's rules (no fault; the present bit is not checked).
    /// </summary>
    internal bool VerifySegment(ushort selector, bool write)
    {
        if ((selector & ~3) == 0)
        {
            return false;
        }

        ulong d = Descriptor(selector);
        if (!IsCodeOrData(d))
        {
            return false;
        }

        bool conformingCode = IsCode(d) && TypeBit2(d);
        int dpl = DescriptorDpl(d);
        if (!conformingCode && (_cpl > dpl || (selector & 3) > dpl))
        {
            return false;
        }

        return write ? !IsCode(d) && TypeBit1(d) : !IsCode(d) || TypeBit1(d);
    }
}
