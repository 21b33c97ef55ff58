using System.Runtime.CompilerServices;

namespace LguestActors.Cpu;

// 2-level i386 paging (4 KiB pages and PSE 4 MiB pages) with a software TLB. Supervisor
// accesses (the guest kernel at ring 1) see CR0.WP=1 semantics: a write to a read-only page
// faults. User accesses (ring 3) also need the U/S bit in both levels. Accessed and dirty bits
// are set as the hardware sets them (A on every permitted walk, D on a write).
public sealed unsafe partial class Cpu
{
    private const int TlbBits = 10;
    private const uint TlbMask = (1u << TlbBits) - 1;
    private const int TlbSize = 1 << TlbBits;

    // Four direct-mapped tables keyed by linear page: kernel read, kernel write, user read, user
    // write (_rTlb/_wTlb point at the current privilege's pair). A tag is (linear page | 1) so 0
    // is never valid. A user entry is filled only by a walk with user rights, so ring 3 can never
    // hit a supervisor-only translation on the fast path. The write tables hold only pages that
    // are writable (with the table's rights), already dirty and not holding cached code, so a
    // store that hits needs no further check.
    // Pinned, and read through pointers on the hot path: no bounds checks (the index is masked).
    private readonly TlbEntry[] _tlbArray = GC.AllocateArray<TlbEntry>(4 * TlbSize, pinned: true);
    private readonly TlbEntry* _tlb;
    private TlbEntry* _rTlb;
    private TlbEntry* _wTlb;

    /// <summary>Bumped on every TLB flush: the decoded-block lookup keyed by linear EIP checks it.</summary>
    internal int _mapEpoch;

    internal void FlushTlb()
    {
        Array.Clear(_tlbArray);
        _mapEpoch++;
    }

    internal void FlushWriteTlb()
    {
        new Span<TlbEntry>(_tlb + TlbSize, TlbSize).Clear();
        new Span<TlbEntry>(_tlb + 3 * TlbSize, TlbSize).Clear();
    }

    /// <summary>
    /// Walks the page tables with the current privilege's rights. Returns the physical address,
    /// or raises #PF with CR2 and the architectural error code (bit 0 P: a protection violation,
    /// not a missing page; bit 1 W/R: the access was a write; bit 2 U/S: it came from ring 3).
    /// </summary>
    internal uint Translate(uint la, bool write)
    {
        if (!TryWalk(la, write, UserMode, out uint pa, out uint error))
        {
            throw PageFault(la, error);
        }
        return pa;
    }

    internal GuestTrap PageFault(uint la, uint error)
    {
        Cr2 = la;
        return new GuestTrap(Vectors.PageFault, error);
    }

    internal bool TryWalk(uint la, bool write, bool user, out uint pa, out uint error)
    {
        error = (write ? 2u : 0u) | (user ? 4u : 0u);
        if (!PagingEnabled)
        {
            pa = la;
            return true;
        }
        // the rights both levels must grant: R/W for a write (WP=1), U/S from ring 3
        uint need = (write ? 2u : 0u) | (user ? 4u : 0u);
        uint pdeAddr = Cr3 + ((la >> 22) << 2);
        uint pde = ReadPhys32(pdeAddr);
        if ((pde & 1) == 0)
        {
            pa = 0;
            return false;
        }
        if ((pde & 0x80) != 0)
        {
            if ((pde & need) != need)
            {
                error |= 1;
                pa = 0;
                return false;
            }
            uint want = pde | 0x20 | (write ? 0x40u : 0u);
            if (want != pde)
            {
                WritePhys32(pdeAddr, want);
            }
            pa = (pde & 0xFFC00000) | (la & 0x3FFFFF);
            return true;
        }
        uint pteAddr = (pde & 0xFFFFF000) + (((la >> 12) & 0x3FF) << 2);
        uint pte = ReadPhys32(pteAddr);
        if ((pte & 1) == 0)
        {
            pa = 0;
            return false;
        }
        if ((pde & pte & need) != need)
        {
            error |= 1;
            pa = 0;
            return false;
        }
        if ((pde & 0x20) == 0)
        {
            WritePhys32(pdeAddr, pde | 0x20);
        }
        uint wantPte = pte | 0x20 | (write ? 0x40u : 0u);
        if (wantPte != pte)
        {
            WritePhys32(pteAddr, wantPte);
        }
        pa = (pte & 0xFFFFF000) | (la & 0xFFF);
        return true;
    }

    internal uint ReadPhys32(uint pa)
    {
        CheckPhys(pa, 4);
        return Unsafe.ReadUnaligned<uint>(Mem + pa);
    }

    internal void WritePhys32(uint pa, uint value)
    {
        CheckPhys(pa, 4);
        Memory.NoteWrite(pa, 4);
        Unsafe.WriteUnaligned(Mem + pa, value);
    }

    internal void CheckPhys(uint pa, uint length)
    {
        if ((ulong)pa + length > MemSize)
        {
            throw new FatalGuestException($"physical address 0x{pa:x8} outside guest memory (size 0x{MemSize:x})");
        }
    }

    // ---- linear memory access: the TLB fast path inline, everything else out of line ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Read32(uint la)
    {
        TlbEntry* e = _rTlb + ((la >> 12) & TlbMask);
        if (e->Tag == (((la + 3) & 0xFFFFF000) | 1))
        {
            return Unsafe.ReadUnaligned<uint>(Mem + e->Phys + (la & 0xFFF));
        }
        return ReadSlow(la, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Read16(uint la)
    {
        TlbEntry* e = _rTlb + ((la >> 12) & TlbMask);
        if (e->Tag == (((la + 1) & 0xFFFFF000) | 1))
        {
            return Unsafe.ReadUnaligned<ushort>(Mem + e->Phys + (la & 0xFFF));
        }
        return ReadSlow(la, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Read8(uint la)
    {
        TlbEntry* e = _rTlb + ((la >> 12) & TlbMask);
        if (e->Tag == ((la & 0xFFFFF000) | 1))
        {
            return Mem[e->Phys + (la & 0xFFF)];
        }
        return ReadSlow(la, 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write32(uint la, uint value)
    {
        TlbEntry* e = _wTlb + ((la >> 12) & TlbMask);
        if (e->Tag == (((la + 3) & 0xFFFFF000) | 1))
        {
            Unsafe.WriteUnaligned(Mem + e->Phys + (la & 0xFFF), value);
            return;
        }
        WriteSlow(la, value, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write16(uint la, uint value)
    {
        TlbEntry* e = _wTlb + ((la >> 12) & TlbMask);
        if (e->Tag == (((la + 1) & 0xFFFFF000) | 1))
        {
            Unsafe.WriteUnaligned(Mem + e->Phys + (la & 0xFFF), (ushort)value);
            return;
        }
        WriteSlow(la, value, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write8(uint la, uint value)
    {
        TlbEntry* e = _wTlb + ((la >> 12) & TlbMask);
        if (e->Tag == ((la & 0xFFFFF000) | 1))
        {
            Mem[e->Phys + (la & 0xFFF)] = (byte)value;
            return;
        }
        WriteSlow(la, value, 1);
    }

    internal uint ReadMem(uint la, int size) => size switch
    {
        4 => Read32(la),
        2 => Read16(la),
        _ => Read8(la),
    };

    internal void WriteMem(uint la, int size, uint value)
    {
        switch (size)
        {
            case 4: Write32(la, value); break;
            case 2: Write16(la, value); break;
            default: Write8(la, value); break;
        }
    }

    /// <summary>The physical page base for reading linear page <paramref name="la"/>, filling the read TLB.</summary>
    internal uint ReadPage(uint la)
    {
        TlbEntry* e = _rTlb + ((la >> 12) & TlbMask);
        uint tag = (la & 0xFFFFF000) | 1;
        if (e->Tag == tag)
        {
            return e->Phys;
        }
        uint page = Translate(la, write: false) & 0xFFFFF000;
        CheckPhys(page, 4096);
        e->Fill(la, page, Mem);
        return page;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint ReadSlow(uint la, int size)
    {
        uint value = 0;
        for (int b = 0; b < size; b++)
        {
            uint a = la + (uint)b;
            value |= (uint)Mem[ReadPage(a) + (a & 0xFFF)] << (8 * b);
        }
        return value;
    }

    /// <summary>The physical page base for writing linear page <paramref name="la"/> (faults if read-only).</summary>
    private uint WritePage(uint la)
    {
        uint page = Translate(la, write: true) & 0xFFFFF000;
        CheckPhys(page, 4096);
        if (!Memory.IsCodePage(page >> 12))
        {
            TlbEntry* e = _wTlb + ((la >> 12) & TlbMask);
            e->Fill(la, page, Mem);
        }
        return page;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteSlow(uint la, uint value, int size)
    {
        // Translate every page the store touches before writing a byte, so a fault on the
        // second page leaves memory untouched and the instruction restartable.
        uint first = WritePage(la);
        uint last = first;
        uint lastLa = la + (uint)size - 1;
        if ((lastLa & 0xFFFFF000) != (la & 0xFFFFF000))
        {
            last = WritePage(lastLa);
        }
        for (int b = 0; b < size; b++)
        {
            uint a = la + (uint)b;
            uint page = (a & 0xFFFFF000) == (la & 0xFFFFF000) ? first : last;
            uint pa = page + (a & 0xFFF);
            if (Memory.IsCodePage(pa >> 12))
            {
                // A store into cached code: the page's decoded blocks are dropped, and the current
                // block stops after this instruction so the next one is decoded from the new bytes.
                Memory.NoteWrite(pa, 1);
                _stop = true;
            }
            Mem[pa] = (byte)(value >> (8 * b));
        }
    }
}

/// <summary>
/// One software-TLB entry: tag (linear page | 1; 0 is never valid), physical page, and the host
/// address of the linear page's first byte minus that linear address, so compiled code reaches
/// a byte as addend + linear address (one add; src/Cpu/Compile).
/// </summary>
internal unsafe struct TlbEntry
{
    public uint Tag;
    public uint Phys;
    public long Addend;

    public void Fill(uint la, uint page, byte* mem)
    {
        Tag = (la & 0xFFFFF000) | 1;
        Phys = page;
        Addend = (long)(mem + page) - (la & 0xFFFFF000);
    }
}
