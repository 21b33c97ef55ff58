using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Devices.Block;
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
    private readonly MachineSettings _machine;

    /// <param name="machine">lguest.vcpu and lguest.virtio from config/akka.hocon; null: the defaults.</param>
    public ExperimentRunner(ExperimentSpec spec, byte[] kernel, Config akka, MachineSettings? machine = null)
    {
        _spec = spec;
        _kernel = kernel;
        _akka = akka;
        _machine = machine ?? MachineSettings.Default;
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
        TrialCheck check;
        IReadOnlyList<TimeSpan> served;
        if (_spec.Workload == BlockWriteVerifyWorkload.Name)
        {
            uint pattern = (uint)seed;
            using var disk = new InMemoryBlockBackend(BlockWriteVerifyWorkload.DiskBytes(_spec.Count));
            var timed = new TimedBlockBackend(disk, clock);
            var write = await BootAsync(system, $"trial-{index}-write", BlockWriteVerifyWorkload.CommandLine(pattern, _spec.Count, true), console, injector, timed).ConfigureAwait(false);
            var verify = write is null ? null
                : await BootAsync(system, $"trial-{index}-verify", BlockWriteVerifyWorkload.CommandLine(pattern, _spec.Count, false), console, injector, timed).ConfigureAwait(false);
            check = BlockWriteVerifyWorkload.Check(pattern, _spec.Count, write, verify, disk.Contents());
            served = timed.Completions;
        }
        else
        {
            var exit = await BootAsync(system, $"trial-{index}", ConsoleCountWorkload.CommandLine(_spec.Count), console, injector, null).ConfigureAwait(false);
            check = ConsoleCountWorkload.Check(_spec.Count, console.Output, exit);
            served = console.Writes.Where(w => w.Text.StartsWith("count ", StringComparison.Ordinal)).Select(w => w.At).ToList();
        }
        var duration = clock.Elapsed;
        var counters = injector.Counters;
        check = check.WithRing(counters.RequestsTaken, counters.RequestsPublished, _spec.Faults.IsActive);

        var faults = counters.FailureInstants.Select(t => t - start).Where(t => t >= TimeSpan.Zero).Order().ToList();
        var recoveries = new List<TimeSpan>();
        int next = 0;
        foreach (var f in faults)
        {
            while (next < served.Count && served[next] <= f)
            {
                next++;
            }
            if (next < served.Count)
            {
                recoveries.Add(served[next] - f);
            }
        }
        long other = counters.KicksDelayed + counters.KicksDuplicated + counters.IrqsDelayed + counters.IrqsDuplicated
            + counters.IoErrors + counters.NoSpace + counters.SlowIo + counters.Corruptions;
        return new TrialResult(index, seed, check, duration, counters.Crashes, counters.Kills, counters.KicksDropped, counters.IrqsDropped,
            other, faults, recoveries, served);
    }

    /// <summary>Boots one VM of the trial and waits for its end; null if it did not end within the trial timeout.</summary>
    private async Task<VmExited?> BootAsync(ActorSystem system, string name, string commandLine, TimedConsoleBackend console, FaultInjector injector, IBlockBackend? disk)
    {
        DeviceConfig[] devices = disk is null ? [new ConsoleConfig(console)] : [new ConsoleConfig(console), new BlockDeviceConfig(disk)];
        var config = new VmConfig(name, (ulong)_spec.MemoryMib << 20, _kernel, commandLine, devices)
        {
            Faults = injector,
            Supervision = _spec.Supervision,
            Machine = _machine,
        };
        var vm = VmLauncher.Launch(system, config);
        try
        {
            return await vm.Exited.WaitAsync(_spec.TrialTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            vm.Stop("trial timeout");
            await vm.Exited.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            return null;
        }
    }
}
