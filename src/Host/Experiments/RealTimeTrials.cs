using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Devices;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;

namespace LguestActors.Host.Experiments;

/// <summary>
/// Trials on today's engine (<c>--realtime</c>): one multi-threaded actor system, the wall clock.
/// A trial seed fixes the fault decisions only; the interleaving, and so the counts, vary.
/// </summary>
internal static class RealTimeTrials
{
    public static async Task<IReadOnlyList<TrialResult>> RunAsync(ExperimentSpec spec, byte[] kernel, Config akka, IEnumerable<TrialPlan> trials,
        Action<TrialResult> progress, CancellationToken cancel)
    {
        var results = new List<TrialResult>();
        using var system = ActorSystem.Create("experiment", akka);
        try
        {
            foreach (var trial in trials)
            {
                cancel.ThrowIfCancellationRequested();
                var result = await RunTrialAsync(spec, kernel, system, trial).ConfigureAwait(false);
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

    private static async Task<TrialResult> RunTrialAsync(ExperimentSpec spec, byte[] kernel, ActorSystem system, TrialPlan plan)
    {
        var clock = Stopwatch.StartNew();
        var start = DateTimeOffset.UtcNow;
        var console = new TimedConsoleBackend(() => clock.Elapsed);
        var injector = new FaultInjector(spec.Faults with { Seed = plan.Seed });
        TrialCheck check;
        IReadOnlyList<Served> served;
        if (spec.Workload == BlockWriteVerifyWorkload.Name)
        {
            uint pattern = (uint)plan.Seed;
            using var disk = new InMemoryBlockBackend(BlockWriteVerifyWorkload.DiskBytes(spec.Count));
            var timed = new TimedBlockBackend(disk, () => clock.Elapsed);
            var write = await BootAsync(spec, kernel, system, $"trial-{plan.Index}-write", BlockWriteVerifyWorkload.CommandLine(pattern, spec.Count, true), console, injector, timed).ConfigureAwait(false);
            var verify = write is null ? null
                : await BootAsync(spec, kernel, system, $"trial-{plan.Index}-verify", BlockWriteVerifyWorkload.CommandLine(pattern, spec.Count, false), console, injector, timed).ConfigureAwait(false);
            check = BlockWriteVerifyWorkload.Check(pattern, spec.Count, write, verify, disk.Contents());
            served = timed.Completions;
        }
        else if (spec.Workload == RngCountWorkload.Name)
        {
            // Seeded here too: the check must know the bytes to see a request filled twice.
            var exit = await BootAsync(spec, kernel, system, $"trial-{plan.Index}", RngCountWorkload.CommandLine(spec.Count), console, injector, null,
                RngCountWorkload.Source(plan.Seed)).ConfigureAwait(false);
            check = RngCountWorkload.Check(plan.Seed, spec.Count, console.Output, exit);
            served = RngCountWorkload.Served(console.Writes);
        }
        else
        {
            var exit = await BootAsync(spec, kernel, system, $"trial-{plan.Index}", ConsoleCountWorkload.CommandLine(spec.Count), console, injector, null).ConfigureAwait(false);
            check = ConsoleCountWorkload.Check(spec.Count, console.Output, exit);
            served = ConsoleCountWorkload.Served(console.Writes);
        }
        var duration = clock.Elapsed;
        return ExperimentRunner.Result(plan, null, null, check, duration, duration, injector, start, served, spec);
    }

    /// <summary>Boots one VM of the trial and waits for its end; null if it did not end within the trial timeout.</summary>
    private static async Task<VmExited?> BootAsync(ExperimentSpec spec, byte[] kernel, ActorSystem system, string name, string commandLine,
        TimedConsoleBackend console, FaultInjector injector, IBlockBackend? disk, IEntropySource? entropy = null)
    {
        var vm = VmLauncher.Launch(system, TrialVm.Config(spec, kernel, name, commandLine, console, injector, disk, entropy));
        try
        {
            return await vm.Exited.WaitAsync(spec.TrialTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            vm.Stop("trial timeout");
            await vm.Exited.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            return null;
        }
    }
}

/// <summary>The VM of a trial: the sample kernel, a console, the disk for block workloads and the entropy device for rng ones.</summary>
internal static class TrialVm
{
    public static VmConfig Config(ExperimentSpec spec, byte[] kernel, string name, string commandLine, Actors.Devices.Console.IConsoleBackend console,
        FaultInjector injector, IBlockBackend? disk, IEntropySource? entropy = null)
    {
        DeviceConfig[] devices =
        [
            new ConsoleConfig(console),
            .. disk is null ? Array.Empty<DeviceConfig>() : [new BlockDeviceConfig(disk)],
            .. entropy is null ? Array.Empty<DeviceConfig>() : [new RngDeviceConfig(entropy)],
        ];
        return new VmConfig(name, (ulong)spec.MemoryMib << 20, kernel, commandLine, devices)
        {
            Faults = injector,
            Supervision = spec.Supervision,
            Machine = spec.Machine,
        };
    }
}
