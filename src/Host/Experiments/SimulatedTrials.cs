using System.Diagnostics;
using Akka.Configuration;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Simulation.Backends;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Host.Experiments;

/// <summary>
/// Trials in simulation (the default, docs/DETERMINISM.md): each is its own simulated world, seeded by
/// the trial seed (faults, disk latency) and run under a schedule seed, on virtual time. Nothing waits
/// on the wall clock: the trial timeout is virtual too. The same two seeds give the same digest, the
/// same failure counts and the same console transcript, in any process on any machine.
/// </summary>
internal static class SimulatedTrials
{
    /// <summary>How long a VM that overran the trial timeout gets to stop (virtual).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    public static TrialResult Run(ExperimentSpec spec, byte[] kernel, Config akka, TrialPlan plan, TextWriter? log)
    {
        var wall = Stopwatch.StartNew();
        using var world = SimulationWorld.Create((uint)plan.Seed, plan.ScheduleSeed, akka, log, $"trial-{plan.Index}");
        var start = world.Clock.GetUtcNow();
        var injector = new FaultInjector(spec.Faults with { Seed = plan.Seed }, world.Clock);
        var console = new SimulatedConsole(world);
        TrialCheck check;
        IReadOnlyList<Served> served;
        if (spec.Workload == BlockWriteVerifyWorkload.Name)
        {
            uint pattern = (uint)plan.Seed;
            using var memory = new InMemoryBlockBackend(BlockWriteVerifyWorkload.DiskBytes(spec.Count));
            var timed = new TimedBlockBackend(new SimulatedDisk(memory, world, "blk0"), () => world.Now);
            // Names come from nothing but the workload: a trial replayed alone (as trial 1) must
            // have the same actor paths, and so the same digest, as in its campaign.
            var write = Boot(spec, kernel, world, "write", BlockWriteVerifyWorkload.CommandLine(pattern, spec.Count, true), console, injector, timed);
            var verify = write is null ? null
                : Boot(spec, kernel, world, "verify", BlockWriteVerifyWorkload.CommandLine(pattern, spec.Count, false), console, injector, timed);
            check = BlockWriteVerifyWorkload.Check(pattern, spec.Count, write, verify, memory.Contents());
            served = timed.Completions;
        }
        else if (spec.Workload == RngCountWorkload.Name)
        {
            var exit = Boot(spec, kernel, world, "rng", RngCountWorkload.CommandLine(spec.Count), console, injector, null, RngCountWorkload.Source(plan.Seed));
            check = RngCountWorkload.Check(plan.Seed, spec.Count, console.Transcript, exit);
            served = RngCountWorkload.Served(console.Writes);
        }
        else
        {
            var exit = Boot(spec, kernel, world, "count", ConsoleCountWorkload.CommandLine(spec.Count), console, injector, null);
            check = ConsoleCountWorkload.Check(spec.Count, console.Transcript, exit);
            served = ConsoleCountWorkload.Served(console.Writes);
        }
        var duration = world.Now;
        string digest = world.Digest.Current();
        return ExperimentRunner.Result(plan, plan.ScheduleSeed, digest, check, duration, wall.Elapsed, injector, start, served, spec);
    }

    /// <summary>Boots one VM of the trial and runs the world until it ends; null if it did not within the (virtual) trial timeout.</summary>
    private static VmExited? Boot(ExperimentSpec spec, byte[] kernel, SimulationWorld world, string name, string commandLine,
        SimulatedConsole console, FaultInjector injector, IBlockBackend? disk, IEntropySource? entropy = null)
    {
        var vm = VmLauncher.Launch(world.System, TrialVm.Config(spec, kernel, name, commandLine, console, injector, disk, entropy));
        world.RunUntil(() => vm.Exited.IsCompleted, world.Now + spec.TrialTimeout);
        if (vm.Exited.IsCompleted)
        {
            return vm.Exited.Result;
        }
        vm.Stop("trial timeout");
        world.RunUntil(() => vm.Exited.IsCompleted, world.Now + StopGrace);
        return null;
    }
}
