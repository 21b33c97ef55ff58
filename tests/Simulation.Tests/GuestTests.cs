using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Simulation.Backends;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Simulation.Tests;

/// <summary>The sample kernel in a simulated world: it runs, it replays bit for bit, it sleeps on virtual time.</summary>
public sealed class GuestTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    [Fact]
    public void The_selftest_passes_in_a_simulated_world_and_the_same_seeds_replay_it_bit_for_bit()
    {
        var first = Selftest(1, 1);
        var again = Selftest(1, 1);

        Assert.True(first.Exit.Kind == GuestExitKind.PowerOff && first.Exit.Reason.StartsWith("selftest: PASS", StringComparison.Ordinal), $"{first.Exit}\n{first.Transcript}");
        Assert.Equal(first.Digest, again.Digest);
        Assert.Equal(first.Transcript, again.Transcript);
        Assert.Equal(first.Now, again.Now);
    }

    [Fact]
    public void Another_schedule_seed_interleaves_differently_and_the_selftest_still_passes()
    {
        var first = Selftest(1, 1);
        var other = Selftest(1, 2);

        Assert.StartsWith("selftest: PASS", other.Exit.Reason, StringComparison.Ordinal);
        Assert.NotEqual(first.Digest, other.Digest);
    }

    [Fact]
    public void A_guest_waiting_ten_virtual_seconds_for_input_gets_there_without_waiting_ten_seconds()
    {
        // The shell sleeps in HALT until the script types at 10 s, tickless: no clock event is armed
        // while it waits, and the uptime it prints is ten seconds of the host's (virtual) clock.
        using var world = Worlds.Create(1, 1);
        var script = ConsoleScript.Parse("@10s\nuptime\npoweroff\n", "test");
        var console = new SimulatedConsole(world, script);
        var vm = VmLauncher.Launch(world.System, new VmConfig("sleeper", 32UL << 20, Worlds.Kernel, "", [new ConsoleConfig(console)]));

        var exit = world.Await(vm.Exited, Limit);

        Assert.Equal(GuestExitKind.PowerOff, exit.Kind);
        // Ten seconds idle cost at most a few clock events (waits for the console during boot), not 1000 ticks.
        Assert.Matches(@"up (9\.99\d|10\.0\d\d) s \(\d clock events\); host clock 9466848(09|10)\.", console.Transcript);
        Assert.InRange(world.Now, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10.5));
    }

    private static (VmExited Exit, string Digest, string Transcript, TimeSpan Now) Selftest(ulong seed, ulong schedule)
    {
        using var world = Worlds.Create(seed, schedule);
        var console = new SimulatedConsole(world);
        var vm = VmLauncher.Launch(world.System, new VmConfig("selftest", 32UL << 20, Worlds.Kernel, "run=selftest", [new ConsoleConfig(console)]));
        var exit = world.Await(vm.Exited, Limit);
        return (exit, world.Digest.Current(), console.Transcript, world.Now);
    }
}
