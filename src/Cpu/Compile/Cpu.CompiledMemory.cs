namespace LguestActors.Cpu;

// The slow paths of compiled code's memory accesses: called only on a software-TLB miss (the hit
// is inline IL). They do what ReadSlow/WriteSlow in Cpu.Paging.cs do — the same walks, the same
// TLB fills, the same A/D bits, the same order of bytes — but report a guest fault by return
// value instead of throwing, so a page fault in compiled code costs no .NET exception: the region
// leaves with the faulting instruction's state and the run loop delivers the fault.
public sealed unsafe partial class Cpu
{
    /// <summary>Slow path of a compiled load: the value (zero-extended), or -1 after a fault.</summary>
    internal static long CompiledRead(Cpu c, uint la, int size)
    {
        try
        {
            uint value = 0;
            for (int b = 0; b < size; b++)
            {
                uint a = la + (uint)b;
                if (!c.TryReadPage(a, out uint page))
                {
                    return -1;
                }
                value |= (uint)c.Mem[page + (a & 0xFFF)] << (8 * b);
            }
            return value;
        }
        catch (FatalGuestException e)
        {
            c._jitFatal = e.Message; // a page table outside guest memory
            return -1;
        }
    }

    /// <summary>Write status of <see cref="CompiledWrite"/>: stored.</summary>
    internal const int WriteDone = 0;

    /// <summary>Write status: a guest fault; nothing was stored.</summary>
    internal const int WriteFaulted = 1;

    /// <summary>Write status: stored, and the store hit a page holding decoded code, so the region must stop after this instruction.</summary>
    internal const int WroteCode = 2;

    /// <summary>Slow path of a compiled store.</summary>
    internal static int CompiledWrite(Cpu c, uint la, uint value, int size)
    {
        try
        {
            // Every page the store touches is translated before a byte is written, so a fault on
            // the second page leaves memory untouched and the instruction restartable.
            if (!c.TryWritePage(la, out uint first))
            {
                return WriteFaulted;
            }
            uint last = first;
            uint lastLa = la + (uint)size - 1;
            if ((lastLa & 0xFFFFF000) != (la & 0xFFFFF000) && !c.TryWritePage(lastLa, out last))
            {
                return WriteFaulted;
            }
            int status = WriteDone;
            for (int b = 0; b < size; b++)
            {
                uint a = la + (uint)b;
                uint page = (a & 0xFFFFF000) == (la & 0xFFFFF000) ? first : last;
                uint pa = page + (a & 0xFFF);
                if (c.Memory.IsCodePage(pa >> 12))
                {
                    c.Memory.NoteWrite(pa, 1);
                    status = WroteCode;
                }
                c.Mem[pa] = (byte)(value >> (8 * b));
            }
            return status;
        }
        catch (FatalGuestException e)
        {
            c._jitFatal = e.Message;
            return WriteFaulted;
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
        if (!TryWalk(la, false, out uint pa, out uint error))
        {
            page = 0;
            RaiseCompiledPageFault(la, error);
            return false;
        }
        page = pa & 0xFFFFF000;
        CheckPhys(page, 4096);
        e->Tag = tag;
        e->Phys = page;
        return true;
    }

    private bool TryWritePage(uint la, out uint page)
    {
        if (!TryWalk(la, true, out uint pa, out uint error))
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
            e->Tag = (la & 0xFFFFF000) | 1;
            e->Phys = page;
        }
        return true;
    }

    private void RaiseCompiledPageFault(uint la, uint error)
    {
        Cr2 = la;
        _jitTrapVector = Vectors.PageFault;
        _jitTrapError = error;
    }

    /// <summary>Pointers compiled code bakes in as constants (all pinned for the life of the Cpu).</summary>
    internal (nint Regs, nint SegBases, nint ReadTlb, nint WriteTlb, nint Mem) CompiledPointers =>
        ((nint)R, (nint)SegBase, (nint)_rTlb, (nint)_wTlb, (nint)Mem);

    internal const int CompiledTlbMask = (int)TlbMask;
}
