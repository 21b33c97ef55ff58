namespace LguestActors.Cpu;

/// <summary>How a lockstep run ended: both machines, and the steps compared.</summary>
public sealed record LockstepRun(IGuestMachine Compiled, IGuestMachine Reference, long Steps);

/// <summary>
/// The lockstep checker (a test mode): runs one guest twice side by side — one machine on the
/// compiled engine, one on the interpreter, each with its own memory — and at every exit of
/// compiled code compares the architectural state: the exit, the retired count, EIP, the eight
/// registers, EFLAGS, CR2/CR3, segment bases, halt and fault state, and every page either side
/// wrote in that step (with a full memory compare every <see cref="FullCompareEvery"/> steps and
/// at the end). At the first difference it replays the run from the start to that step with
/// compiled code traced instruction by instruction, finds the first instruction whose result
/// differs from the interpreter's, and throws <see cref="LockstepDivergenceException"/> naming it.
/// </summary>
/// <param name="factory">
/// Builds a fresh machine on the given engine. Both machines must start identical and be served
/// deterministically (the lockstep run is replayed from scratch to pinpoint a divergence).
/// </param>
public sealed partial class LockstepChecker(Func<CpuEngine, IGuestMachine> factory, CompilerOptions? options = null)
{
    private readonly CompilerOptions _options = options ?? new CompilerOptions();

    /// <summary>Steps between comparisons of the whole of guest memory.</summary>
    public int FullCompareEvery { get; init; } = 4096;

    /// <summary>Runs both machines to their end, comparing at every exit of compiled code.</summary>
    /// <exception cref="LockstepDivergenceException">the engines disagreed.</exception>
    public LockstepRun Run()
    {
        var (compiled, reference) = Start(trace: false);
        long steps = Drive(compiled, reference, stopBefore: long.MaxValue, out string? divergence);
        if (divergence is null)
        {
            return new LockstepRun(compiled, reference, steps);
        }
        string where = Pinpoint(steps, divergence);
        throw new LockstepDivergenceException(steps, compiled.Cpu.Retired, $"{divergence}{Environment.NewLine}{where}");
    }

    private (IGuestMachine Compiled, IGuestMachine Reference) Start(bool trace)
    {
        IGuestMachine compiled = factory(CpuEngine.Compiled);
        IGuestMachine reference = factory(CpuEngine.Interpreter);
        if (compiled.Cpu.Engine != CpuEngine.Compiled || reference.Cpu.Engine != CpuEngine.Interpreter || ReferenceEquals(compiled.Cpu.Memory, reference.Cpu.Memory))
        {
            throw new InvalidOperationException("the lockstep factory must build a compiled and an interpreted machine, each with its own memory");
        }
        compiled.Cpu.CompilerOptions = _options with { StopAtCompiledExits = true, Trace = trace };
        return (compiled, reference);
    }

    /// <summary>
    /// Runs both in lockstep until they end, a difference (in <paramref name="divergence"/>), or
    /// just before step <paramref name="stopBefore"/>; returns the number of the last step run.
    /// </summary>
    private long Drive(IGuestMachine c, IGuestMachine r, long stopBefore, out string? divergence)
    {
        long step = 0;
        divergence = null;
        while (true)
        {
            bool cGo = c.TryBeginSlice(out long budget);
            bool rGo = r.TryBeginSlice(out long rBudget);
            if (cGo != rGo || budget != rBudget)
            {
                divergence = $"the host sides disagree before a slice: compiled {(cGo ? $"runs {budget}" : "ended")}, interpreter {(rGo ? $"runs {rBudget}" : "ended")}";
                return step;
            }
            if (!cGo)
            {
                divergence = CompareAll(c.Cpu, r.Cpu, "at the end of the run");
                return step;
            }
            long done = 0;
            RunExit last;
            while (true)
            {
                if (step + 1 == stopBefore)
                {
                    RemainingBudget = budget - done;
                    return step;
                }
                step++;
                c.Cpu.FlushWriteTlb();
                r.Cpu.FlushWriteTlb();
                RunExit ce = c.Cpu.Run(budget - done);
                RunExit re = r.Cpu.Run(ce.Executed);
                divergence = CompareStep(c.Cpu, r.Cpu, ce, re) ?? (step % FullCompareEvery == 0 ? CompareAll(c.Cpu, r.Cpu, "in the whole of memory") : null);
                if (divergence is not null)
                {
                    return step;
                }
                done += ce.Executed;
                if (ce.Reason != ExitReason.BudgetSpent || done >= budget)
                {
                    last = new RunExit(ce.Reason, done);
                    break;
                }
            }
            c.EndSlice(last);
            r.EndSlice(last);
        }
    }
}

/// <summary>The compiled engine and the interpreter disagreed; the message names the instruction.</summary>
public sealed class LockstepDivergenceException : Exception
{
    public LockstepDivergenceException(long step, ulong retired, string report)
        : base($"lockstep divergence at step {step} (after {retired} guest instructions): {report}")
    {
        Step = step;
        Retired = retired;
    }

    public LockstepDivergenceException()
    {
    }

    public LockstepDivergenceException(string message) : base(message)
    {
    }

    public LockstepDivergenceException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The first step (exit of compiled code) at which the state differed.</summary>
    public long Step { get; }

    public ulong Retired { get; }
}
