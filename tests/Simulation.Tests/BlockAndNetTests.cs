using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Network;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Simulation.Backends;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Simulation.Tests;

/// <summary>Block and net in a simulated world: the same seeds replay bit for bit; other schedules interleave differently and keep every invariant.</summary>
public sealed class BlockAndNetTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    [Fact]
    public void A_block_write_and_verify_with_disk_latency_replays_to_the_same_digest_and_the_same_disk()
    {
        var first = WriteAndVerify(3, 1);
        var again = WriteAndVerify(3, 1);

        Assert.StartsWith("blktest: PASS wrote 1024 sectors", first.Write.Reason, StringComparison.Ordinal);
        Assert.StartsWith("blktest: PASS verified 1024 sectors", first.Verify.Reason, StringComparison.Ordinal);
        Assert.Equal(first.Digest, again.Digest);
        Assert.Equal(first.Disk, again.Disk);
        Assert.Equal(first.Now, again.Now);
    }

    [Fact]
    public void Other_schedule_seeds_interleave_the_block_requests_differently_and_the_disk_still_holds_the_pattern()
    {
        var first = WriteAndVerify(3, 1);
        var others = new[] { 2UL, 3UL }.Select(s => WriteAndVerify(3, s)).ToList();

        Assert.Contains(others, o => o.Digest != first.Digest);
        foreach (var other in others)
        {
            Assert.StartsWith("blktest: PASS verified 1024 sectors", other.Verify.Reason, StringComparison.Ordinal);
            Assert.Equal(first.Disk, other.Disk);
        }
    }

    [Fact]
    public void Slow_block_io_is_a_later_completion_on_virtual_time_and_no_thread_sleeps()
    {
        var fast = WriteWithSlowIo(0);
        var slow = WriteWithSlowIo(1);

        Assert.StartsWith("blktest: PASS", slow.Exit.Reason, StringComparison.Ordinal);
        Assert.True(slow.SlowRequests >= 4, $"{slow.SlowRequests} slow requests");
        // Each slow request completes 20 ms of guest time late; the guest waits for them.
        Assert.True(slow.Now - fast.Now >= TimeSpan.FromMilliseconds(20), $"virtual time {slow.Now} slow, {fast.Now} not");
    }

    [Fact]
    public void Two_guests_pinging_through_a_switch_replay_to_the_same_digest_and_transcripts()
    {
        var first = Ping(1);
        var again = Ping(1);

        Assert.StartsWith("ping: PASS 3/3", first.Exit.Reason, StringComparison.Ordinal);
        Assert.Contains("64 bytes from 10.0.0.2: icmp_seq=3 time=", first.Client, StringComparison.Ordinal);
        Assert.Equal(first.Digest, again.Digest);
        Assert.Equal(first.Client, again.Client);
        Assert.Equal(first.Server, again.Server);
    }

    private static (VmExited Exit, long SlowRequests, TimeSpan Now) WriteWithSlowIo(double probability)
    {
        using var world = Worlds.Create(1, 1);
        var injector = new FaultInjector(new FaultPlan { Seed = 1, SlowIo = probability, SlowIoDelay = TimeSpan.FromMilliseconds(20) }, world.Clock);
        using var memory = new InMemoryBlockBackend(1 << 20);
        var config = new VmConfig("slow", 32UL << 20, Worlds.Kernel, "run=blktest seed=1 start=0 count=512 mode=write",
            [new ConsoleConfig(new SimulatedConsole(world)), new BlockDeviceConfig(new SimulatedDisk(memory, world, "blk0"))]) { Faults = injector };
        var exit = world.Await(VmLauncher.Launch(world.System, config).Exited, Limit);
        return (exit, injector.Counters.SlowIo, world.Now);
    }

    private static (VmExited Write, VmExited Verify, string Digest, byte[] Disk, TimeSpan Now) WriteAndVerify(ulong seed, ulong schedule)
    {
        using var world = Worlds.Create(seed, schedule);
        using var memory = new InMemoryBlockBackend(1 << 20);
        var disk = new SimulatedDisk(memory, world, "blk0", new DiskLatency(TimeSpan.FromMicroseconds(20), TimeSpan.FromMicroseconds(400)));
        VmExited Boot(string name, string mode)
        {
            var console = new SimulatedConsole(world);
            var config = new VmConfig(name, 32UL << 20, Worlds.Kernel, $"run=blktest seed=77 start=0 count=1024 mode={mode}",
                [new ConsoleConfig(console), new BlockDeviceConfig(disk)]);
            return world.Await(VmLauncher.Launch(world.System, config).Exited, world.Now + Limit);
        }
        var write = Boot("w", "write");
        var verify = Boot("v", "verify");
        return (write, verify, world.Digest.Current(), memory.Contents(), world.Now);
    }

    private static (VmExited Exit, string Digest, string Client, string Server) Ping(ulong schedule)
    {
        using var world = Worlds.Create(1, schedule);
        var lan = world.System.ActorOf(NetworkSwitch.Props("lan"), NetworkSwitch.ActorPrefix + "lan");
        VmConfig Config(string name, string commandLine, SimulatedConsole console) =>
            new(name, 32UL << 20, Worlds.Kernel, commandLine, [new ConsoleConfig(console), new NetDeviceConfig(MacAddress.FromName(name), new SwitchPortBackend(lan))]);
        var serverConsole = new SimulatedConsole(world);
        var clientConsole = new SimulatedConsole(world);
        var server = VmLauncher.Launch(world.System, Config("b", "ip=10.0.0.2 run=serve", serverConsole));
        Assert.Equal(RunOutcome.Done, world.RunUntil(() => serverConsole.Contains("serving"), Limit));
        var client = VmLauncher.Launch(world.System, Config("a", "ip=10.0.0.1 run=ping target=10.0.0.2 count=3", clientConsole));
        var exit = world.Await(client.Exited, world.Now + Limit);
        server.Stop("test over");
        Assert.Equal(GuestExitKind.Stopped, world.Await(server.Exited, world.Now + Limit).Kind);
        return (exit, world.Digest.Current(), clientConsole.Transcript, serverConsole.Transcript);
    }
}
