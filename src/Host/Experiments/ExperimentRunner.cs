using Akka.Configuration;
using LguestActors.Actors.Faults;

namespace LguestActors.Host.Experiments;

/// <summary>A request served at <paramref name="At"/> (from the trial's start), worth <paramref name="Units"/> of the workload's unit (lines, sectors; 0 for a FLUSH).</summary>
internal readonly record struct Served(TimeSpan At, int Units);

/// <summary>One trial: its seeds, what was injected, what the check found, and the timeline for the plots.</summary>
/// <param name="Index">The trial's number in the run (1-based).</param>
/// <param name="Seed">The trial seed: the fault plan's seed (and the simulated world's).</param>
/// <param name="ScheduleSeed">The schedule seed it ran under (simulation), or null (real time).</param>
/// <param name="Digest">The run digest (simulation), or null (real time).</param>
/// <param name="Duration">How long the trial took: virtual time in a simulation, wall time in real time.</param>
/// <param name="WallTime">How long it took on this machine's clock.</param>
internal sealed record TrialResult(
    int Index,
    int Seed,
    ulong? ScheduleSeed,
    string? Digest,
    TrialCheck Check,
    TimeSpan Duration,
    TimeSpan WallTime,
    long Crashes,
    long Kills,
    long KicksDropped,
    long IrqsDropped,
    long OtherFaults,
    IReadOnlyList<TimeSpan> FaultInstants,
    IReadOnlyList<TimeSpan> RecoveryTimes,
    IReadOnlyList<Served> Served)
{
    public long DeviceFailures => Crashes + Kills;

    /// <summary>
    /// The workload's units served per second (<see cref="ExperimentSpec.RateUnit"/>) over the
    /// trial: what the throughput plot draws over time, so the table and the plot agree.
    /// </summary>
    public double UnitsPerSecond => Duration > TimeSpan.Zero ? Served.Sum(s => (double)s.Units) / Duration.TotalSeconds : 0;

    public bool Simulated => ScheduleSeed is not null;

    /// <summary>What the trial's progress line and report call it: its seed, and its schedule seed in a simulation.</summary>
    public string SeedText => ScheduleSeed is { } s ? $"seed {Seed} schedule {s}" : $"seed {Seed}";
}

/// <summary>One trial to run: its index, its seed, and the schedule seed (ignored in real time).</summary>
internal sealed record TrialPlan(int Index, int Seed, ulong ScheduleSeed);

/// <summary>
/// Runs the trials of an <see cref="ExperimentSpec"/> one after another and checks each. In a
/// simulation (the default) each trial is its own simulated world, replayable from its seeds; in
/// real time they share one multi-threaded actor system.
/// </summary>
internal sealed class ExperimentRunner
{
    private readonly ExperimentSpec _spec;
    private readonly byte[] _kernel;
    private readonly Config _akka;
    private readonly bool _realTime;
    private readonly TextWriter? _log;

    /// <param name="spec">The experiment.</param>
    /// <param name="kernel">The sample kernel.</param>
    /// <param name="akka">config/akka.hocon (quiet).</param>
    /// <param name="realTime">Run on today's multi-threaded engine and the wall clock instead of in simulation.</param>
    /// <param name="log">Where a simulated world's log lines go (stderr), or nowhere.</param>
    public ExperimentRunner(ExperimentSpec spec, byte[] kernel, Config akka, bool realTime = false, TextWriter? log = null)
    {
        _spec = spec;
        _kernel = kernel;
        _akka = akka;
        _realTime = realTime;
        _log = log;
    }

    /// <summary>Runs the given trials, reporting each as it ends.</summary>
    public async Task<IReadOnlyList<TrialResult>> RunAsync(IEnumerable<TrialPlan> trials, Action<TrialResult> progress, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (_realTime)
        {
            return await RealTimeTrials.RunAsync(_spec, _kernel, _akka, trials, progress, cancel).ConfigureAwait(false);
        }
        var results = new List<TrialResult>();
        foreach (var trial in trials)
        {
            cancel.ThrowIfCancellationRequested();
            // A world runs on the thread that drives it: this one, to the trial's end.
            var result = SimulatedTrials.Run(_spec, _kernel, _akka, trial, _log);
            results.Add(result);
            progress(result);
        }
        return results;
    }

    /// <summary>Injected failures against the requests served: each failure's recovery time is the wait for the next request served after it.</summary>
    internal static TrialResult Result(TrialPlan plan, ulong? schedule, string? digest, TrialCheck check, TimeSpan duration, TimeSpan wall,
        FaultInjector injector, DateTimeOffset start, IReadOnlyList<Served> served, ExperimentSpec spec)
    {
        var counters = injector.Counters;
        check = check.WithRing(counters.RequestsTaken, counters.RequestsPublished, spec.Faults.IsActive);
        var faults = counters.FailureInstants.Select(t => t - start).Where(t => t >= TimeSpan.Zero).Order().ToList();
        var recoveries = new List<TimeSpan>();
        int next = 0;
        foreach (var f in faults)
        {
            while (next < served.Count && served[next].At <= f)
            {
                next++;
            }
            if (next < served.Count)
            {
                recoveries.Add(served[next].At - f);
            }
        }
        long other = counters.KicksDelayed + counters.KicksDuplicated + counters.IrqsDelayed + counters.IrqsDuplicated
            + counters.IoErrors + counters.NoSpace + counters.SlowIo + counters.Corruptions;
        return new TrialResult(plan.Index, plan.Seed, schedule, digest, check, duration, wall, counters.Crashes, counters.Kills,
            counters.KicksDropped, counters.IrqsDropped, other, faults, recoveries, served);
    }
}
