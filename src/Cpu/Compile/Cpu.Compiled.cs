using LguestActors.Cpu.Compile;
using LguestActors.Cpu.Decode;
using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu;

// The compiled engine's run loop. Blocks are looked up exactly as the interpreter looks them up
// (so fetch faults, TLB fills and code invalidation happen at the same instruction); a block
// without compiled code runs interpreted and counts its executions, a hot one is compiled into a
// region (Compile/RegionCompiler.cs). A region returns the index of the exit it left by; when
// that exit's target is itself compiled the two are linked and the next region runs at once,
// after the budget and code checks the interpreter makes between blocks.
public sealed unsafe partial class Cpu
{
    // What compiled code hands the run loop (Compile/CompiledUnit.cs): an exit index >= 0, or these.
    internal const int DynamicExit = -1;
    internal const int MissExit = -2;

    internal CodeCache? _jit;

    /// <summary>After a TLB miss in compiled code: the next block runs interpreted, so the instruction that missed is done by the interpreter (a store into decoded code or an access across pages never hits the TLB).</summary>
    private bool _jitInterpretNext;

    /// <summary>Instructions compiled code may still retire in this Run; it reads and writes it back.</summary>
    internal long _jitLeft;

    // A guest fault raised in compiled code's slow paths, delivered by the run loop (no .NET exception).
    internal int _jitTrapVector;
    internal uint _jitTrapError;
    internal string? _jitFatal;

    private CompilerOptions _compilerOptions = new();

    /// <summary>
    /// The execution engine. Switching drops compiled code; state the guest can see (registers,
    /// memory, retired count) is the same whichever runs.
    /// </summary>
    public CpuEngine Engine
    {
        get => _jit is null ? CpuEngine.Interpreter : CpuEngine.Compiled;
        set
        {
            if (value == Engine)
            {
                return;
            }
            _jit?.Clear();
            _jit = value == CpuEngine.Compiled ? new CodeCache(this, _compilerOptions) : null;
        }
    }

    /// <summary>Options of the compiled engine; setting them starts it afresh if it runs.</summary>
    public CompilerOptions CompilerOptions
    {
        get => _compilerOptions;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            _compilerOptions = value;
            if (_jit is not null)
            {
                _jit.Clear();
                _jit = new CodeCache(this, value);
            }
        }
    }

    /// <summary>What the compiled engine has done (all zero under the interpreter).</summary>
    public CompiledCodeStats CompiledStats => _jit?.Stats ?? CompiledCodeStats.None;

    private void RunCompiled(ulong limit)
    {
        CodeCache jit = _jit!;
        GuestMemory memory = Memory;
        int threshold = jit.Options.Threshold;
        CompiledUnit? from = null;
        int fromExit = 0;
        do
        {
            _curOp = null;
            if (memory.CodeEpoch != _seenCodeEpoch)
            {
                DrainDirtyCode();
                from = null;
            }
            Block block = LookupBlock(_eip);
            ulong remaining = limit - _retired;
            CompiledUnit? unit = block.Unit;
            if (_jitInterpretNext)
            {
                _jitInterpretNext = false;
                unit = null;
            }
            else if (unit is null && (block.Heat += block.Count) > threshold)
            {
                unit = jit.Compile(block);
            }
            // A member that is not an entry (landed on mid-loop) runs interpreted, uncounted, up to the next entry.
            if (unit is not null && block.UnitEntry >= 0 && remaining >= (ulong)block.Count && jit.IsRunnable(unit, block))
            {
                if (jit.Options.ChainRegions)
                {
                    from?.Link(fromExit, unit, block.UnitEntry, block);
                }
                if (RunUnits(unit, block.UnitEntry, limit, ref from, ref fromExit))
                {
                    return;
                }
                continue;
            }
            from = null;
            Op* first;
            Op* end;
            int tail;
            if (remaining >= (ulong)block.Count)
            {
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
            ulong ran = (ulong)(op - first) + (op == end ? (ulong)tail : 0);
            _retired += ran;
            jit.Interpreted += ran;
            _curOp = null;
            if (_stop)
            {
                return;
            }
        }
        while (_retired < limit);
    }

    // Region after linked region while each exit leads to compiled code; true when Run must stop.
    // The chain point checks what the interpreter checks between blocks: the budget (each
    // region also checks it at every block, so backward edges too) and written code. IRQs need
    // no check here: the vCPU delivers them between Run slices (lguest did it before each run of
    // the guest), and the slice ends exactly at its budget on either engine — an IRQ raised
    // during a slice waits for its end, compiled or not, so its delivery point (retired count)
    // does not depend on the engine.
    private bool RunUnits(CompiledUnit unit, int entry, ulong limit, ref CompiledUnit? from, ref int fromExit)
    {
        GuestMemory memory = Memory;
        bool step = _compilerOptions.StopAtCompiledExits;
        _jitLimit = limit;
        while (true)
        {
            _jitLeft = (long)(limit - _retired);
            int exit = unit.Code(entry);
            _retired = limit - (ulong)_jitLeft;
            if (exit < 0)
            {
                from = null;
                if (exit == MissExit)
                {
                    if (FillCompiledMiss())
                    {
                        _jitInterpretNext = true;
                    }
                    else
                    {
                        DeliverCompiledFault();
                    }
                }
                return StopAfterCompiledExit(step);
            }
            from = unit;
            fromExit = exit;
            if (step || _stop)
            {
                return StopAfterCompiledExit(step);
            }
            CompiledUnit? next = unit.Links[exit];
            if (next is null || _retired >= limit || memory.CodeEpoch != _seenCodeEpoch || !_jit!.IsLinkable(next))
            {
                return false;
            }
            entry = unit.LinkEntries[exit];
            unit = next;
        }
    }

    /// <summary>
    /// The decoded block at linear <paramref name="eip"/> under the current mapping and
    /// privilege, if the interpreter already has it, without walking the page tables or
    /// decoding: one the run loop looked up since the last TLB flush, or one on a page of
    /// <paramref name="pages"/> (linear → physical, known current), found by its physical address.
    /// </summary>
    internal Block? FindDecodedBlock(uint eip, IReadOnlyDictionary<uint, uint> pages)
    {
        // In this privilege's linear-EIP table, checked in this TLB epoch: its translation (and a
        // straddling block's second page) was walked with this privilege's rights since the last flush.
        ref FastEntry e = ref _fast[(eip ^ (eip >> FastBits)) & FastMask];
        if (e.Block is Block f && e.Epoch == _mapEpoch && f.LinearEip == eip && f.Valid)
        {
            return f;
        }
        if (pages.TryGetValue(eip & 0xFFFFF000, out uint phys)
            && _blocks.TryGetValue(new BlockKey(phys | (eip & 0xFFF), eip), out Block? b) && b.Valid
            && (b.SecondPagePhys == Block.OnePage
                || pages.TryGetValue((eip & 0xFFFFF000) + 0x1000, out uint second) && second == b.SecondPagePhys))
        {
            return b;
        }
        return null;
    }

    private bool StopAfterCompiledExit(bool step)
    {
        if (step && !_stop)
        {
            _stop = true;
            _exit ??= ExitReason.BudgetSpent;
        }
        return _stop;
    }

    /// <summary>
    /// A fault compiled code met in a slow path: it left the registers, EIP and retired count of
    /// the faulting instruction, so delivery is what Run does for a trap the interpreter throws.
    /// </summary>
    private void DeliverCompiledFault()
    {
        uint eip = _eip;
        string? fatal = _jitFatal;
        _jitFatal = null;
        if (fatal is null)
        {
            try
            {
                Deliver(_jitTrapVector, Vectors.HasErrorCode(_jitTrapVector), _jitTrapError, eip);
                return;
            }
            catch (FatalGuestException e)
            {
                fatal = e.Message;
            }
        }
        SetFatal(fatal, eip);
        _stop = true;
        _exit = ExitReason.Fault;
    }
}
