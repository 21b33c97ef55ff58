namespace LguestActors.Cpu;

// The slow path of compiled code's memory accesses. A software-TLB miss leaves the region with
// the state before the instruction; the run loop then walks the page tables as ReadSlow and
// WriteSlow in Cpu.Paging.cs would — the same walks, the same TLB fills, the same A/D bits — but
// reports a guest fault by return value instead of throwing, so a page fault in compiled code
// costs no .NET exception: the run loop delivers it with the faulting instruction's state.
public sealed unsafe partial class Cpu
{
    /// <summary>Cpu._jitMissInfo: the access that missed was a store (else a load); the low byte is its size.</summary>
    internal const int MissWrite = 0x100;

    /// <summary>The linear address and kind of the access compiled code missed the TLB on (<see cref="MissExit"/>).</summary>
    internal uint _jitMissLa;
    internal int _jitMissInfo;

    /// <summary>
    /// After <see cref="MissExit"/>: walks the page tables for the access as the interpreter's slow
    /// path would (the same pages in the same order, the same A/D bits), filling the TLB; false
    /// with the fault recorded (#PF with CR2 and error code, or a fatal reason) when it cannot.
    /// </summary>
    private bool FillCompiledMiss()
    {
        uint la = _jitMissLa;
        int size = _jitMissInfo & 0xFF;
        bool crosses = ((la ^ (la + (uint)size - 1)) & 0xFFFFF000) != 0;
        try
        {
            if ((_jitMissInfo & MissWrite) != 0)
            {
                // WriteSlow translates every page the store touches before writing a byte.
                return TryWritePage(la, out _) && (!crosses || TryWritePage(la + (uint)size - 1, out _));
            }
            // ReadSlow reads byte by byte: the second page is first touched at its first byte.
            return TryReadPage(la, out _) && (!crosses || TryReadPage((la & 0xFFFFF000) + 0x1000, out _));
        }
        catch (FatalGuestException e)
        {
            _jitFatal = e.Message; // a page table outside guest memory
            return false;
        }
    }

    private bool TryReadPage(uint la, out uint page)
    {
        TlbEntry* e = _rTlb + ((la >> 12) & TlbMask);
        uint tag = (la & 0xFFFFF000) | 1;
        if (e->Tag == tag)
        {
            page = e->Phys;
            return true;
        }
        if (!TryWalk(la, false, UserMode, out uint pa, out uint error))
        {
            page = 0;
            RaiseCompiledPageFault(la, error);
            return false;
        }
        page = pa & 0xFFFFF000;
        CheckPhys(page, 4096);
        e->Fill(la, page, Mem);
        return true;
    }

    private bool TryWritePage(uint la, out uint page)
    {
        if (!TryWalk(la, true, UserMode, out uint pa, out uint error))
        {
            page = 0;
            RaiseCompiledPageFault(la, error);
            return false;
        }
        page = pa & 0xFFFFF000;
        CheckPhys(page, 4096);
        if (!Memory.IsCodePage(page >> 12))
        {
            TlbEntry* e = _wTlb + ((la >> 12) & TlbMask);
            e->Fill(la, page, Mem);
        }
        return true;
    }

    private void RaiseCompiledPageFault(uint la, uint error)
    {
        Cr2 = la;
        _jitTrapVector = Vectors.PageFault;
        _jitTrapError = error;
    }

    /// <summary>
    /// Pointers compiled code bakes in as constants (all pinned for the life of the Cpu); the
    /// TLB pair is the current privilege's, so a region runs only at the privilege it was compiled at.
    /// </summary>
    internal (nint Regs, nint SegBases, nint ReadTlb, nint WriteTlb, nint Mem) CompiledPointers =>
        ((nint)R, (nint)SegBase, (nint)_rTlb, (nint)_wTlb, (nint)Mem);

    internal const int CompiledTlbMask = (int)TlbMask;
}
