using System.Runtime.CompilerServices;
using LguestActors.Cpu.Decode;
using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu;

// The run loop and the decoded-block cache. Blocks are keyed by (physical address, linear
// address) — branch targets inside a block are linear — and found first through a small
// direct-mapped table keyed by linear EIP. An entry there holds the TLB epoch at which its
// linear-to-physical translation was last checked, with that table's rights: it is used only
// in the same epoch. Each privilege level has its own table (a ring-3 fetch must never find a
// block whose page it may not execute, so it goes through the user TLB's checked translation).
public sealed unsafe partial class Cpu
{
    private const int FastBits = 12;
    private const uint FastMask = (1u << FastBits) - 1;

    private readonly BlockDecoder _decoder;
    private readonly FastEntry[] _fastKernel = new FastEntry[1 << FastBits];
    private readonly FastEntry[] _fastUser = new FastEntry[1 << FastBits];
    private FastEntry[] _fast;

    /// <summary>Block lookups that missed the linear-EIP table (tests check the fast path is used).</summary>
    internal long SlowLookups;
    private Dictionary<BlockKey, Block> _blocks = []; // replaced only by BlockKeyHashing, before the first run
    private readonly Dictionary<uint, List<Block>> _blocksByPage = [];
    private int _seenCodeEpoch;

    /// <summary>Set by a handler to end the current block after it (an exit, or a store into cached code).</summary>
    internal bool _stop;
    internal ExitReason? _exit;

    // The first op of the block being run and the op in it (null between blocks), for faults
    // and RetiredNow. A pointer, not the Block, so setting it costs no GC write barrier; the
    // block stays referenced by _blocks while it runs.
    private Op* _curFirst;
    internal Op* _curOp;

    public RunExit Run(long budget)
    {
        if (Fault != null)
        {
            return new RunExit(ExitReason.Fault, 0);
        }
        if (Halted)
        {
            return new RunExit(ExitReason.Halt, 0);
        }
        ulong start = _retired;
        ulong limit = start + (ulong)Math.Max(0, budget);
        while (_retired < limit)
        {
            try
            {
                if (_jit is null)
                {
                    RunBlocks(limit);
                }
                else
                {
                    RunCompiled(limit);
                }
            }
            catch (GuestTrap trap)
            {
                // A fault: the instruction did not complete, so the frame holds its own EIP.
                uint faultEip = RetireUpToFault();
                if (trap.EipOffset != 0)
                {
                    // Iced's merged WAIT + x87 form: the WAIT retired, the x87 instruction faulted.
                    _retired++;
                    faultEip += trap.EipOffset;
                }
                _stop = false;
                _exit = null;
                _eip = faultEip;
                try
                {
                    Deliver(trap.Vector, Vectors.HasErrorCode(trap.Vector), trap.ErrorCode, faultEip);
                }
                catch (FatalGuestException fatal)
                {
                    SetFatal(fatal.Message, faultEip);
                    return new RunExit(ExitReason.Fault, (long)(_retired - start));
                }
            }
            catch (FatalGuestException fatal)
            {
                uint faultEip = RetireUpToFault();
                _stop = false;
                _exit = null;
                SetFatal(fatal.Message, faultEip);
                return new RunExit(ExitReason.Fault, (long)(_retired - start));
            }
            if (_stop)
            {
                _stop = false;
                if (_exit is ExitReason reason)
                {
                    _exit = null;
                    return new RunExit(reason, (long)(_retired - start));
                }
            }
        }
        return new RunExit(ExitReason.BudgetSpent, (long)(_retired - start));
    }

    /// <summary>Guest instructions retired, exact even in the middle of a block (RDTSC reads it).</summary>
    internal ulong RetiredNow => _curOp == null ? _retired : _retired + (ulong)(_curOp - _curFirst);

    // Block after block until the budget is spent or a handler stops: no try region, no return
    // to Run per block. _retired advances once per block; _curOp says where a fault struck.
    private void RunBlocks(ulong limit)
    {
        GuestMemory memory = Memory;
        do
        {
            _curOp = null;
            if (memory.CodeEpoch != _seenCodeEpoch)
            {
                DrainDirtyCode();
            }
            Block block = LookupBlock(_eip);
            ulong remaining = limit - _retired;
            Op* first;
            Op* end;
            int tail;
            if (remaining >= (ulong)block.Count)
            {
                // the whole block: fused pairs (CMP+Jcc) run as one op that retires two
                first = block.FastOps;
                end = first + block.FastCount;
                tail = block.Count - block.FastCount;
            }
            else
            {
                first = block.Ops;
                end = first + (int)remaining;
                tail = 0;
            }
            _curFirst = first;
            Op* op = RunOps(first, end);
            _retired += (ulong)(op - first) + (op == end ? (ulong)tail : 0);
            _curOp = null;
            if (_stop)
            {
                return;
            }
        }
        while (_retired < limit);
    }

    // The per-instruction loop on its own, so the JIT keeps op and end in callee-saved registers
    // across the handler call instead of spilling them (RunBlocks has too many live values).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Op* RunOps(Op* op, Op* end)
    {
        do
        {
            _curOp = op;
            op->Fn(this, ref *op);
            op++;
        }
        while (!_stop && op < end);
        // EIP is written once per block: by a branch, or here after a straight-line op.
        Op* last = op - 1;
        if (last->SetsEip == 0)
        {
            _eip = last->Next;
        }
        return op;
    }

    /// <summary>After a fault: retires the block's instructions before the faulting one and returns its EIP.</summary>
    private uint RetireUpToFault()
    {
        if (_curOp == null)
        {
            return _eip; // the fetch (block lookup) faulted
        }
        uint eip = _curOp->Eip;
        _retired += (ulong)(_curOp - _curFirst);
        _curOp = null;
        return eip;
    }

    private Block LookupBlock(uint eip)
    {
        ref FastEntry e = ref _fast[(eip ^ (eip >> FastBits)) & FastMask];
        Block? b = e.Block;
        if (b != null && e.Epoch == _mapEpoch && b.LinearEip == eip && b.Valid)
        {
            return b;
        }
        return LookupBlockSlow(eip);
    }

    private Block LookupBlockSlow(uint eip)
    {
        SlowLookups++;
        uint pa = ReadPage(eip) + (eip & 0xFFF);
        var key = new BlockKey(pa, eip);
        if (!_blocks.TryGetValue(key, out Block? b) || !SecondPageStillMapped(b))
        {
            b = _decoder.Decode(eip, pa);
            _blocks[key] = b;
            AddToPage(pa >> 12, b);
            if (b.SecondPagePhys != Block.OnePage)
            {
                AddToPage(b.SecondPagePhys >> 12, b);
            }
        }
        // Translated again just now, with this privilege's rights: the block is good for this epoch,
        // whether it was decoded now or in an earlier one (without the new stamp a block found in
        // the cache after a TLB flush would miss the fast table on every later run).
        _fast[(eip ^ (eip >> FastBits)) & FastMask] = new FastEntry(b, _mapEpoch);
        return b;
    }

    // A block's cache key names only its first page; one whose last instruction runs onto the
    // next page is reused only while that linear page still maps to the same physical page.
    private bool SecondPageStillMapped(Block b)
    {
        if (b.SecondPagePhys == Block.OnePage)
        {
            return true;
        }
        uint next = (b.LinearEip & 0xFFFFF000) + 0x1000;
        return TryWalk(next, false, UserMode, out uint pa, out _) && (pa & 0xFFFFF000) == b.SecondPagePhys;
    }

    private void AddToPage(uint pfn, Block b)
    {
        if (!_blocksByPage.TryGetValue(pfn, out List<Block>? list))
        {
            list = [];
            _blocksByPage[pfn] = list;
        }
        list.Add(b);
    }

    /// <summary>
    /// Called by the decoder before it reads a page's bytes: from now on a write to the page (from
    /// the vCPU or a device) invalidates, and no write-TLB entry may bypass that check.
    /// </summary>
    internal void NoteCodePage(uint pfn)
    {
        if (!Memory.IsCodePage(pfn))
        {
            Memory.MarkCodePage(pfn);
            FlushWriteTlb();
        }
    }

    private void DrainDirtyCode()
    {
        _seenCodeEpoch = Memory.CodeEpoch;
        while (Memory.TryDequeueDirtyCodePage(out uint pfn))
        {
            _jit?.InvalidatePage(pfn);
            if (_blocksByPage.Remove(pfn, out List<Block>? list))
            {
                foreach (Block b in list)
                {
                    b.Valid = false;
                    _blocks.Remove(new BlockKey(b.PhysEip, b.LinearEip));
                }
            }
        }
    }
}

/// <summary>
/// A decoded block's identity: its physical and linear address. Not a <c>pa &lt;&lt; 32 | la</c>
/// ulong: .NET hashes that as <c>pa ^ la</c>, which is the same for every block of a kernel
/// mapped at a fixed offset (0xC0000000 for Linux, 0 identity-mapped), so every block landed in
/// one bucket and each slow lookup walked them all. The hash mixes both halves (Fibonacci
/// hashing: one multiply, the high half kept).
/// </summary>
internal readonly record struct BlockKey(uint Pa, uint La)
{
    public bool Equals(BlockKey other) => Pa == other.Pa && La == other.La;

    public override int GetHashCode() => (int)(((((ulong)Pa << 32) | La) * 0x9E3779B97F4A7C15ul) >> 32);
}

/// <summary>An entry of a linear-EIP block table: the block and the TLB epoch it was checked in.</summary>
internal readonly record struct FastEntry(Block? Block, int Epoch);
