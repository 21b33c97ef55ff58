using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Tests.Faults;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Rng;

/// <summary>The virtio entropy device with no guest: a fake driver posts buffers, the test checks what comes back.</summary>
public sealed class RngDeviceTests : TestKit
{
    private const ulong Seed = 42;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly VirtioDeviceHarness _vm = VirtioDeviceHarness.Create(
        new DeviceSpec(RngDevice.VirtioId, RngDevice.QueueCount, RngDevice.OfferedFeatures(), ReadOnlyMemory<byte>.Empty));

    private FakeVirtioDriver Driver => _vm.Drivers[RngDevice.RequestQueue];

    private int Irq => _vm.Descriptor.Queues[RngDevice.RequestQueue].Irq;

    private static byte[] Expected(int count, int skip = 0)
    {
        var bytes = new byte[skip + count];
        new SeededEntropySource(Seed).Fill(bytes);
        return bytes[skip..];
    }

    private IActorRef Spawn(IActorRef irq, RngDeviceState state) =>
        Sys.ActorOf(RngDevice.Props(_vm.Memory, _vm.Transport, irq, new SeededEntropySource(Seed), state));

    [Fact]
    public async Task A_request_is_filled_from_the_entropy_source_and_its_IRQ_raised()
    {
        var irq = CreateTestProbe();
        var state = new RngDeviceState();
        var rng = Spawn(irq.Ref, state);
        rng.Tell(_vm.StartMessage());
        Driver.PostWritable(32);
        Driver.PostWritable(8);
        rng.Tell(new Kick(RngDevice.RequestQueue));

        await irq.ExpectMsgAsync(RaiseIrq.For(Irq), Timeout);
        var used = Driver.TakeUsed();
        Assert.Equal([32u, 8u], used.Select(u => u.Length));
        Assert.Equal(Expected(32), Driver.ReadWritten(used[0]));
        Assert.Equal(Expected(8, skip: 32), Driver.ReadWritten(used[1]));
        Assert.Equal((2L, 40L), (state.Requests, state.Bytes));
    }

    [Fact]
    public async Task A_buffer_larger_than_one_request_gives_gets_the_most_one_request_gives()
    {
        var irq = CreateTestProbe();
        var rng = Spawn(irq.Ref, new RngDeviceState());
        rng.Tell(_vm.StartMessage());
        Driver.PostChain(Driver.Writable(RngDevice.MaxBytesPerRequest), Driver.Writable(4096));
        rng.Tell(new Kick(RngDevice.RequestQueue));

        await irq.ExpectMsgAsync(RaiseIrq.For(Irq), Timeout);
        var used = Assert.Single(Driver.TakeUsed());
        Assert.Equal((uint)RngDevice.MaxBytesPerRequest, used.Length);
        Assert.Equal(Expected(RngDevice.MaxBytesPerRequest), Driver.ReadWritten(used));
    }

    [Fact]
    public async Task A_request_with_a_buffer_the_device_may_only_read_fails_the_device_until_reset()
    {
        var irq = CreateTestProbe();
        var state = new RngDeviceState();
        var rng = Spawn(irq.Ref, state);
        Driver.PostReadable("not for the device");

        // The device may meet the buffer at start (its rescan of the ring) or at the kick: either
        // way once, and a FAILED device ignores the kick, so both go inside the filter.
        await EventFilter.Error(contains: "rng: queue 0 broke a virtqueue rule").ExpectOneAsync(() =>
        {
            rng.Tell(_vm.StartMessage());
            rng.Tell(new Kick(RngDevice.RequestQueue));
            return Task.CompletedTask;
        });
        Assert.True(state.Virtio.Failed);
        Assert.Equal(VirtioStatus.Failed, _vm.Status & VirtioStatus.Failed);
        Assert.Equal(0, Driver.UsedIdx);
    }

    [Theory]
    [InlineData(FaultPoint.AfterTake)]
    [InlineData(FaultPoint.AfterSideEffect)]
    [InlineData(FaultPoint.BeforePublish)]
    [InlineData(FaultPoint.AfterPublish)]
    public async Task A_crash_anywhere_on_a_request_answers_it_exactly_once_with_the_bytes_first_drawn(FaultPoint point)
    {
        var injector = new FaultInjector(new FaultPlan { Seed = 7, CrashEveryNRequests = 1, CrashPoints = point, MaxCrashes = 1 });
        var state = new RngDeviceState();
        state.Virtio.Faults = injector.ForDevice("rng0");
        var irq = CreateTestProbe();
        var parent = Sys.ActorOf(SupervisingParent.Props(RngDevice.Props(_vm.Memory, _vm.Transport, irq.Ref, new SeededEntropySource(Seed), state)));
        var rng = await parent.Ask<IActorRef>(SupervisingParent.GetChild.Instance, Timeout);
        rng.Tell(_vm.StartMessage());
        Driver.PostWritable(16);

        rng.Tell(new Kick(RngDevice.RequestQueue));

        await AwaitConditionAsync(() => Task.FromResult(Driver.UsedIdx == 1), Timeout);
        Assert.Equal(1L, injector.Counters.Crashes);
        var used = Assert.Single(Driver.TakeUsed());
        Assert.Equal(16u, used.Length);
        Assert.Equal(Expected(16), Driver.ReadWritten(used)); // filled once: the second draw never reached the guest
        Assert.Equal((1L, 16L), (state.Requests, state.Bytes));
        Assert.Empty(state.Virtio.Queues[0].InFlight);
    }

    [Fact]
    public void The_OS_source_and_two_seeded_streams_give_what_each_promises()
    {
        byte[] a = new byte[64], b = new byte[64], c = new byte[64], os = new byte[64];
        new SeededEntropySource(Seed).Fill(a);
        new SeededEntropySource(Seed).Fill(b);
        new SeededEntropySource(Seed, "rng1").Fill(c);
        OsEntropySource.Instance.Fill(os);

        Assert.Equal(a, b);        // a seed replays
        Assert.NotEqual(a, c);     // each device its own stream
        Assert.NotEqual(new byte[64], os);
    }
}
