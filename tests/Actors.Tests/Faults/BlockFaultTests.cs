using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Tests.Block;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Faults;

/// <summary>The block device under the fault plan: crashes around its I/O, several requests in flight, and backend faults.</summary>
public sealed class BlockFaultTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly InMemoryBlockBackend _disk = new(1 << 20);
    private readonly BlockDeviceState _state = new();

    private async Task<(BlockRig Rig, IActorRef Device)> StartAsync(FaultPlan plan, bool wrapBackend = false)
    {
        var injector = new FaultInjector(plan);
        _state.Virtio.Faults = injector.ForDevice("blk0");
        var backend = wrapBackend ? FaultyBlockBackend.Wrap(_disk, injector.ForBackend("blk0")) : _disk;
        var rig = new BlockRig(backend);
        var parent = Sys.ActorOf(SupervisingParent.Props(BlockDevice.Props(rig.Vm.Memory, rig.Vm.Transport, CreateTestProbe().Ref, backend, _state)));
        var device = await parent.Ask<IActorRef>(SupervisingParent.GetChild.Instance, Timeout);
        device.Tell(rig.Vm.StartMessage());
        await AwaitConditionAsync(() => Task.FromResult(_state.Virtio.Started), Timeout);
        return (rig, device);
    }

    [Theory]
    [InlineData(FaultPoint.AfterTake)]
    [InlineData(FaultPoint.BeforeSideEffect)]
    [InlineData(FaultPoint.AfterSideEffect)]
    [InlineData(FaultPoint.BeforePublish)]
    [InlineData(FaultPoint.AfterPublish)]
    public async Task Writes_in_flight_during_crashes_at_each_point_all_land_and_complete_once(FaultPoint point)
    {
        var (rig, device) = await StartAsync(new FaultPlan { Seed = 2, CrashEveryNRequests = 2, CrashPoints = point });
        var writes = Enumerable.Range(0, 8).Select(i => (Sector: (ulong)(i * 8), Data: BlockRig.Pattern(4096, i))).ToList();
        var posted = writes.Select(w => rig.PostWrite(w.Sector, w.Data)).ToList();
        device.Tell(Kick.For(BlockDevice.RequestQueue)); // all eight in flight at once

        await AwaitConditionAsync(() => Task.FromResult(rig.Driver.UsedIdx == 8), Timeout);
        var used = rig.Driver.TakeUsed();
        Assert.Equal(posted.Select(p => (uint)p.Head).Order(), used.Select(u => u.Id).Order()); // each exactly once
        Assert.All(posted, p => Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(p.Status)));
        var contents = _disk.Contents();
        Assert.All(writes, w => Assert.Equal(w.Data, contents.AsSpan((int)w.Sector * 512, 4096).ToArray()));
        Assert.True(_state.Virtio.Faults.IsActive);
    }

    [Fact]
    public async Task A_backend_EIO_surfaces_to_the_guest_as_IOERR()
    {
        var (rig, device) = await StartAsync(new FaultPlan { Seed = 3, BackendIoError = 1 }, wrapBackend: true);
        var (_, data, status) = rig.PostRead(0, 512);
        device.Tell(Kick.For(BlockDevice.RequestQueue));

        await AwaitConditionAsync(() => Task.FromResult(rig.Driver.UsedIdx == 1), Timeout);
        Assert.Equal(BlockConfig.StatusIoError, rig.StatusOf(status));
        Assert.Single(data);
    }

    [Fact]
    public async Task A_full_disk_fails_writes_with_IOERR_and_nothing_is_written()
    {
        var (rig, device) = await StartAsync(new FaultPlan { Seed = 4, BackendNoSpace = 1 }, wrapBackend: true);
        var (_, status) = rig.PostWrite(0, BlockRig.Pattern(512, 9));
        device.Tell(Kick.For(BlockDevice.RequestQueue));

        await AwaitConditionAsync(() => Task.FromResult(rig.Driver.UsedIdx == 1), Timeout);
        Assert.Equal(BlockConfig.StatusIoError, rig.StatusOf(status));
        Assert.All(_disk.Contents().AsSpan(0, 512).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task Slow_IO_completes_late_but_correctly()
    {
        var (rig, device) = await StartAsync(new FaultPlan { Seed = 5, SlowIo = 1, SlowIoDelay = TimeSpan.FromMilliseconds(30) }, wrapBackend: true);
        var data = BlockRig.Pattern(1024, 5);
        var (_, status) = rig.PostWrite(16, data);
        device.Tell(Kick.For(BlockDevice.RequestQueue));

        await AwaitConditionAsync(() => Task.FromResult(rig.Driver.UsedIdx == 1), Timeout);
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(status));
        Assert.Equal(data, _disk.Contents().AsSpan(16 * 512, 1024).ToArray());
    }
}
