using System.Diagnostics;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Simulation.Backends;
using LguestActors.Actors.Telemetry;

namespace LguestActors.Simulation.Tests;

/// <summary>The LguestActors meter and spans are write-only: a world listened to runs exactly as one that is not.</summary>
public sealed class TelemetryTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    [Fact]
    public void A_world_with_every_instrument_and_span_listened_to_replays_to_the_same_digest_as_one_without()
    {
        var quiet = BlockWrite("quiet");

        using var meter = new MeterCapture();
        int spans = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == LguestTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref spans),
        };
        ActivitySource.AddActivityListener(listener);
        var watched = BlockWrite("watched");

        Assert.StartsWith("blktest: PASS wrote 256 sectors", quiet.Exit.Reason, StringComparison.Ordinal);
        Assert.Equal(quiet.Digest, watched.Digest);
        Assert.Equal(quiet.Now, watched.Now);
        // …and it was listened to: the bytes written, and latencies on virtual time.
        Assert.Equal(256 * 512, meter.Sum("lguest.block.bytes", ("vm", "telemetry"), ("op", "write")));
        Assert.NotEmpty(meter.Values("lguest.virtio.request.duration", ("vm", "telemetry"), ("device", "blk0")));
        Assert.True(spans > 0);
    }

    private static (VmExited Exit, string Digest, TimeSpan Now) BlockWrite(string label)
    {
        using var world = Worlds.Create(5, 2);
        using var memory = new InMemoryBlockBackend(1 << 20);
        var disk = new SimulatedDisk(memory, world, "blk0", new DiskLatency(TimeSpan.FromMicroseconds(20), TimeSpan.FromMicroseconds(400)));
        var config = new VmConfig("telemetry", 32UL << 20, Worlds.Kernel, "run=blktest seed=77 start=0 count=256 mode=write",
            [new ConsoleConfig(new SimulatedConsole(world)), new BlockDeviceConfig(disk)]);
        var exit = world.Await(VmLauncher.Launch(world.System, config).Exited, world.Now + Limit);
        Assert.True(exit is not null, label);
        return (exit, world.Digest.Current(), world.Now);
    }
}
