namespace LguestActors.Cpu;

/// <summary>How a <see cref="Cpu"/> executes guest code. Both give the same guest-visible results.</summary>
public enum CpuEngine
{
    /// <summary>Every block is interpreted from its decoded ops.</summary>
    Interpreter,

    /// <summary>
    /// Blocks start interpreted and count their executions; a hot one is compiled to IL with its
    /// hot successors (a region) and runs compiled from then on (Compile/).
    /// </summary>
    Compiled,
}

/// <summary>Tuning of the compiled engine. The defaults are what docs/PERFORMANCE.md measured.</summary>
public sealed record CompilerOptions
{
    /// <summary>
    /// The default <see cref="Threshold"/>. A region costs one to a few milliseconds of JIT time —
    /// what the interpreter takes for a few hundred thousand instructions — so only code that has
    /// already run that much is worth compiling: a loop is (within a millisecond); a kernel's
    /// thousands of small functions, each called some thousands of times, are not
    /// (bench/InterpreterBench's kernel-shaped case: 4096 functions of 11 instructions, 5000 calls
    /// each, ran 3.4x slower compiled at a threshold of 1000 executions, as fast as the interpreter here).
    /// </summary>
    public const int DefaultThreshold = 100_000;

    /// <summary>
    /// Instructions a block runs in the interpreter before it is compiled (with its hot
    /// successors); 0 compiles a block before its first run.
    /// </summary>
    public int Threshold { get; init; } = DefaultThreshold;

    /// <summary>Most decoded blocks one region takes (its root and successors reached by direct branches).</summary>
    public int MaxRegionBlocks { get; init; } = 48;

    /// <summary>Most guest instructions one region takes.</summary>
    public int MaxRegionInstructions { get; init; } = 480;

    /// <summary>Most linear pages one region spans (each is checked against the page tables on entry after a TLB flush).</summary>
    public int MaxRegionPages { get; init; } = 4;

    /// <summary>
    /// Direct exits to compiled code go straight to it (regions linked at chain points); false
    /// returns to the run loop at every exit. A technique switch for bench/InterpreterBench's
    /// before/after (docs/PERFORMANCE.md); the guest sees no difference.
    /// </summary>
    public bool ChainRegions { get; init; } = true;

    /// <summary>
    /// A flag result is stored only where something may read it; false stores every one. A
    /// technique switch for the benchmark's before/after, as <see cref="ChainRegions"/>.
    /// </summary>
    public bool FlagLiveness { get; init; } = true;

    /// <summary>
    /// Test mode for the lockstep checker: <see cref="Cpu.Run"/> returns after every exit of compiled
    /// code (with <see cref="ExitReason.BudgetSpent"/> when nothing else stopped it).
    /// </summary>
    public bool StopAtCompiledExits { get; init; }

    /// <summary>Lockstep replay: compiled code reports the state before each instruction to Cpu._jitTrace.</summary>
    internal bool Trace { get; init; }

    /// <summary>Throws unless the values are usable; the message names the property.</summary>
    public void Validate()
    {
        if (Threshold is < 0 or > 1 << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "the compile threshold must be 0 to 2^30 interpreted instructions");
        }
        if (MaxRegionBlocks < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRegionBlocks), MaxRegionBlocks, "a region holds at least one block");
        }
        if (MaxRegionInstructions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRegionInstructions), MaxRegionInstructions, "a region holds at least one instruction");
        }
        if (MaxRegionPages < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRegionPages), MaxRegionPages, "a region spans at least one page");
        }
    }
}

/// <summary>What the compiled engine has done so far (for the benchmark and tests).</summary>
/// <param name="Regions">Regions compiled (each one DynamicMethod).</param>
/// <param name="BlocksCompiled">Decoded blocks taken into those regions.</param>
/// <param name="InstructionsCompiled">Guest instructions in those blocks.</param>
/// <param name="CompileTime">Time spent forming, emitting and JIT-compiling regions, in total.</param>
/// <param name="JitTime">The part of <paramref name="CompileTime"/> spent in the .NET JIT (the rest forms the region and emits its IL).</param>
/// <param name="MaxCompileTime">The longest single region compile.</param>
/// <param name="Invalidated">Regions dropped because their code was written or their pages remapped.</param>
/// <param name="HandlerCalls">Instructions in compiled regions that call an interpreter handler (rare instructions) instead of inline IL.</param>
/// <param name="Failures">Regions that could not be compiled (their blocks stay interpreted).</param>
public sealed record CompiledCodeStats(
    long Regions,
    long BlocksCompiled,
    long InstructionsCompiled,
    TimeSpan CompileTime,
    TimeSpan JitTime,
    TimeSpan MaxCompileTime,
    long Invalidated,
    long HandlerCalls,
    long Failures)
{
    public static CompiledCodeStats None { get; } = new(0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, 0, 0, 0);

    /// <summary>Bytes of IL emitted for all regions.</summary>
    public long IlBytes { get; init; }

    /// <summary>Guest instructions the compiled engine ran in the interpreter (cold code, budget remainders, landings between entries).</summary>
    public ulong Interpreted { get; init; }
}
