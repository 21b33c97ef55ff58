using System.Diagnostics;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Compile;

/// <summary>
/// One vCPU's compiled code: compiles hot blocks into regions, keeps them registered by the
/// physical pages their code came from, and drops them exactly when the interpreter drops the
/// decoded blocks of those pages (a write into the page), or when a TLB flush left a page of
/// theirs mapped elsewhere. Not thread-safe: the vCPU's thread owns it.
/// </summary>
internal sealed class CodeCache
{
    private readonly Cpu _cpu;
    private readonly Dictionary<uint, List<CompiledUnit>> _byPage = [];
    private long _regions;
    private long _blocks;
    private long _instructions;
    private long _compileTicks;
    private long _jitTicks;
    private long _maxCompileTicks;
    private long _invalidated;
    private long _handlerCalls;
    private long _failures;
    private long _ilBytes;

    public CodeCache(Cpu cpu, CompilerOptions options)
    {
        _cpu = cpu;
        Options = options;
    }

    public CompilerOptions Options { get; }

    /// <summary>Instructions the compiled engine's run loop interpreted (blocks not compiled, partial blocks, landings).</summary>
    public ulong Interpreted;

    public CompiledCodeStats Stats => new(
        _regions, _blocks, _instructions, Stopwatch.GetElapsedTime(0, _compileTicks), Stopwatch.GetElapsedTime(0, _jitTicks),
        Stopwatch.GetElapsedTime(0, _maxCompileTicks),
        _invalidated, _handlerCalls, _failures) { IlBytes = _ilBytes, Interpreted = Interpreted };

    /// <summary>
    /// Compiles the region rooted at <paramref name="root"/> (already looked up for the current
    /// mapping). Null when it cannot: the block then stays interpreted for good.
    /// </summary>
    public CompiledUnit? Compile(Block root)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            var region = Region.Build(root, Options, _cpu.FindDecodedBlock);
            var compiled = RegionCompiler.Compile(_cpu, region);
            var unit = compiled.Unit;
            // JIT-compile it now, inside the measured time: entry -1 returns at once.
            long jitStart = Stopwatch.GetTimestamp();
            unit.Code(-1);
            _jitTicks += Stopwatch.GetTimestamp() - jitStart;
            foreach (Block b in unit.Blocks)
            {
                b.Unit = unit;
                b.UnitEntry = -1; // a member: run interpreted up to the next entry
            }
            for (int e = 0; e < region.Entries.Count; e++)
            {
                unit.Blocks[region.Entries[e]].UnitEntry = e;
            }
            foreach (uint phys in unit.Pages.Select(p => p.Value).Distinct())
            {
                if (!_byPage.TryGetValue(phys >> 12, out List<CompiledUnit>? list))
                {
                    list = [];
                    _byPage[phys >> 12] = list;
                }
                list.Add(unit);
            }
            _regions++;
            _blocks += region.Blocks.Count;
            _instructions += region.Instructions;
            if (Environment.GetEnvironmentVariable("LGUEST_JIT_LOG") is not null)
            {
                Console.Error.WriteLine($"region 0x{root.LinearEip:x8}: {region.Blocks.Count} blocks {region.Instructions} instrs {compiled.IlBytes} IL; emit {Stopwatch.GetElapsedTime(start, jitStart).TotalMilliseconds:F2} ms jit {Stopwatch.GetElapsedTime(jitStart).TotalMilliseconds:F2} ms");
            }
            _handlerCalls += compiled.HandlerCalls;
            _ilBytes += compiled.IlBytes;
            return unit;
        }
        catch (Exception e) when (e is InvalidProgramException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // A gap in the compiler must not stop the guest: this block stays interpreted.
            _failures++;
            root.Heat = int.MinValue;
            LastFailure = $"region at 0x{root.LinearEip:x8}: {e.GetType().Name}: {e.Message}";
            return null;
        }
        finally
        {
            long ticks = Stopwatch.GetTimestamp() - start;
            _compileTicks += ticks;
            _maxCompileTicks = Math.Max(_maxCompileTicks, ticks);
        }
    }

    /// <summary>The last compile failure, for diagnostics (null if none).</summary>
    public string? LastFailure { get; private set; }

    /// <summary>
    /// True when <paramref name="unit"/> may run now. The run loop has just looked its entry block up for
    /// the current mapping; after a TLB flush its other pages are walked again (as the
    /// interpreter walks a straddling block's second page), and a page now mapped elsewhere drops it.
    /// </summary>
    public bool IsRunnable(CompiledUnit unit, Block entry)
    {
        // A region uses its privilege's TLB: ring 3 never runs kernel-compiled code, which
        // could hit translations checked only with the kernel's rights.
        if (!unit.Valid || unit.UserMode != _cpu.UserMode)
        {
            return false;
        }
        if (unit.MapEpoch == _cpu._mapEpoch)
        {
            return true;
        }
        uint entryPage = entry.LinearEip & 0xFFFFF000;
        foreach (var (linear, phys) in unit.Pages)
        {
            if (linear != entryPage && (!_cpu.TryWalk(linear, false, unit.UserMode, out uint pa, out _) || (pa & 0xFFFFF000) != phys))
            {
                Invalidate(unit);
                return false;
            }
        }
        unit.MapEpoch = _cpu._mapEpoch;
        return true;
    }

    /// <summary>True when a chain may go straight into <paramref name="unit"/>: valid, and checked against the current mapping.</summary>
    public bool IsLinkable(CompiledUnit unit) => unit.Valid && unit.MapEpoch == _cpu._mapEpoch && unit.UserMode == _cpu.UserMode;

    /// <summary>A page holding compiled code was written: every region with code on it goes.</summary>
    public void InvalidatePage(uint pfn)
    {
        if (_byPage.Remove(pfn, out List<CompiledUnit>? list))
        {
            foreach (CompiledUnit unit in list)
            {
                Invalidate(unit);
            }
        }
    }

    public void Clear()
    {
        foreach (CompiledUnit unit in _byPage.Values.SelectMany(l => l).ToList())
        {
            Invalidate(unit);
        }
        _byPage.Clear();
    }

    private void Invalidate(CompiledUnit unit)
    {
        if (!unit.Valid)
        {
            return;
        }
        unit.Valid = false;
        _invalidated++;
        foreach (Block b in unit.Blocks)
        {
            if (b.Unit == unit)
            {
                // Counted afresh: if the same code is still hot it is compiled again.
                b.Unit = null;
                b.Heat = 0;
            }
        }
        foreach (uint phys in unit.Pages.Select(p => p.Value).Distinct())
        {
            if (_byPage.TryGetValue(phys >> 12, out List<CompiledUnit>? list))
            {
                list.Remove(unit);
            }
        }
    }
}
