using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu;

// The run loop and the decoded-block cache. Blocks are keyed by (physical address, linear
// address) — branch targets inside a block are linear — and found first through a small
// direct-mapped table keyed by linear EIP, which is valid only for the current TLB epoch.
public sealed unsafe partial class Cpu
{
    private const int FastBits = 12;
    private const uint FastMask = (1u << FastBits) - 1;

    private readonly BlockDecoder _decoder;
    private readonly Block?[] _fast = new Block?[1 << FastBits];
    private readonly Dictionary<ulong, Block> _blocks = [];
    private readonly Dictionary<uint, List<Block>> _blocksByPage = [];
    private int _seenCodeEpoch;

    /// <summary>Set by a handler to end the current block after it (an exit, or a store into cached code).</summary>
    internal bool _stop;
    internal ExitReason? _exit;

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
                _curEip = _eip;
                if (Memory.CodeEpoch != _seenCodeEpoch)
                {
                    DrainDirtyCode();
                }
                ExecuteBlock(LookupBlock(_eip), limit - _retired);
            }
            catch (GuestTrap trap)
            {
                // A fault: the instruction did not complete, so the frame holds its own EIP.
                _stop = false;
                _exit = null;
                _eip = _curEip;
                try
                {
                    Deliver(trap.Vector, Vectors.HasErrorCode(trap.Vector), trap.ErrorCode, _curEip);
                }
                catch (FatalGuestException fatal)
                {
                    SetFatal(fatal.Message, _curEip);
                    return new RunExit(ExitReason.Fault, (long)(_retired - start));
                }
            }
            catch (FatalGuestException fatal)
            {
                _stop = false;
                _exit = null;
                SetFatal(fatal.Message, _curEip);
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

    private void ExecuteBlock(Block block, ulong remaining)
    {
        Op* op = block.Ops;
        Op* end = op + (remaining < (ulong)block.Count ? (int)remaining : block.Count);
        do
        {
            _curEip = op->Eip;
            _eip = op->Next;
            op->Fn(this, ref *op);
            _retired++;
            if (_stop)
            {
                return;
            }
            op++;
        }
        while (op < end);
    }

    private Block LookupBlock(uint eip)
    {
        Block? b = _fast[(eip ^ (eip >> FastBits)) & FastMask];
        if (b != null && b.LinearEip == eip && b.MapEpoch == _mapEpoch && b.Valid)
        {
            return b;
        }
        return LookupBlockSlow(eip);
    }

    private Block LookupBlockSlow(uint eip)
    {
        uint pa = ReadPage(eip) + (eip & 0xFFF);
        ulong key = ((ulong)pa << 32) | eip;
        if (!_blocks.TryGetValue(key, out Block? b))
        {
            uint pfn = pa >> 12;
            if (!Memory.IsCodePage(pfn))
            {
                // Marked before decoding, so a write racing the decode still invalidates; and
                // no write-TLB entry may bypass the code-page check from now on.
                Memory.MarkCodePage(pfn);
                FlushWriteTlb();
            }
            b = _decoder.Decode(eip, pa, _mapEpoch, out bool cacheable);
            if (!cacheable)
            {
                b.Valid = false;
                return b;
            }
            _blocks[key] = b;
            if (!_blocksByPage.TryGetValue(pfn, out List<Block>? list))
            {
                list = [];
                _blocksByPage[pfn] = list;
            }
            list.Add(b);
        }
        _fast[(eip ^ (eip >> FastBits)) & FastMask] = b;
        return b;
    }

    private void DrainDirtyCode()
    {
        _seenCodeEpoch = Memory.CodeEpoch;
        while (Memory.TryDequeueDirtyCodePage(out uint pfn))
        {
            if (_blocksByPage.Remove(pfn, out List<Block>? list))
            {
                foreach (Block b in list)
                {
                    b.Valid = false;
                    _blocks.Remove(((ulong)b.PhysEip << 32) | b.LinearEip);
                }
            }
        }
    }
}
