using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;

namespace LguestActors.Host.Experiments;

/// <summary>One trial: its seed, what was injected, what the check found, and the timeline for the plots.</summary>
internal sealed record TrialResult(
    int Index,
    int Seed,
    TrialCheck Check,
    TimeSpan Duration,
    long Crashes,
    long Kills,
    long KicksDropped,
    long IrqsDropped,
    long OtherFaults,
    IReadOnlyList<TimeSpan> FaultInstants,
    IReadOnlyList<TimeSpan> RecoveryTimes,
    IReadOnlyList<TimeSpan> RequestTimes)
{
    public long DeviceFailures => Crashes + Kills;

    public double RequestsPerSecond => Duration > TimeSpan.Zero ? Check.Requests / Duration.TotalSeconds : 0;
}

/// <summary>
/// Runs the trials of an <see cref="ExperimentSpec"/> one after another, each on a fresh VM of the
/// sample kernel in one actor system, with the fault plan reseeded per trial, and checks each.
/// </summary>
internal sealed class ExperimentRunner
{
    private readonly ExperimentSpec _spec;
    private readonly byte[] _kernel;
    private readonly Config _akka;

    public ExperimentRunner(ExperimentSpec spec, byte[] kernel, Config akka)
    {
        _spec = spec;
        _kernel = kernel;
        _akka = akka;
    }

    /// <summary>Runs the given trials (index, seed), reporting each as it ends.</summary>
    public async Task<IReadOnlyList<TrialResult>> RunAsync(IEnumerable<(int Index, int Seed)> trials, Action<TrialResult> progress, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var results = new List<TrialResult>();
        using var system = ActorSystem.Create("experiment", _akka);
        try
        {
            foreach (var (index, seed) in trials)
            {
                cancel.ThrowIfCancellationRequested();
                var result = await RunTrialAsync(system, index, seed).ConfigureAwait(false);
                results.Add(result);
                progress(result);
            }
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
        return results;
    }

    private async Task<TrialResult> RunTrialAsync(ActorSystem system, int index, int seed)
    {
        var clock = Stopwatch.StartNew();
        var start = DateTimeOffset.UtcNow;
        var console = new TimedConsoleBackend(clock);
        var injector = new FaultInjector(_spec.Faults with { Seed = seed });
        var config = new VmConfig($"trial-{index}", (ulong)_spec.MemoryMib << 20, _kernel, ConsoleCountWorkload.CommandLine(_spec.Count), [new ConsoleConfig(console)])
        {
            Faults = injector,
            Supervision = _spec.Supervision,
        };
        var vm = VmLauncher.Launch(system, config);
        VmExited? exit = null;
        try
        {
            exit = await vm.Exited.WaitAsync(_spec.TrialTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            vm.Stop("trial timeout");
            await vm.Exited.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        var duration = clock.Elapsed;
        // The VM's actor names are reused by no one, but let its listener and launcher go before the next trial.
        var counters = injector.Counters;
        var check = ConsoleCountWorkload.Check(_spec.Count, console.Output, exit).WithRing(counters.RequestsTaken, counters.RequestsPublished, _spec.Faults.IsActive);

        var faults = counters.FailureInstants.Select(t => t - start).Where(t => t >= TimeSpan.Zero).Order().ToList();
        var writes = console.Writes;
        var requestTimes = writes.Where(w => w.Text.StartsWith("count ", StringComparison.Ordinal)).Select(w => w.At).ToList();
        var recoveries = new List<TimeSpan>();
        int next = 0;
        foreach (var f in faults)
        {
            while (next < writes.Count && writes[next].At <= f)
            {
                next++;
            }
            if (next < writes.Count)
            {
                recoveries.Add(writes[next].At - f);
            }
        }
        long other = counters.KicksDelayed + counters.KicksDuplicated + counters.IrqsDelayed + counters.IrqsDuplicated
            + counters.IoErrors + counters.NoSpace + counters.SlowIo + counters.Corruptions;
        return new TrialResult(index, seed, check, duration, counters.Crashes, counters.Kills, counters.KicksDropped, counters.IrqsDropped,
            other, faults, recoveries, requestTimes);
    }
}
