using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Faults;
using LguestActors.Testing;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Tests.Net;
using static LguestActors.Actors.Tests.Net.NetFrames;

namespace LguestActors.Actors.Tests.Faults;

/// <summary>The net device crashed at each point of its transmit path: every frame leaves exactly once, in order.</summary>
public sealed class NetRecoveryTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(FaultPoint.AfterTake)]
    [InlineData(FaultPoint.BeforeSideEffect)]
    [InlineData(FaultPoint.AfterSideEffect)]
    [InlineData(FaultPoint.BeforePublish)]
    [InlineData(FaultPoint.AfterPublish)]
    public async Task Frames_sent_through_crashes_at_each_point_leave_once_and_in_order(FaultPoint point)
    {
        var vm = Harness(A);
        var wire = CreateTestProbe();
        var state = new NetDeviceState();
        var injector = new FaultInjector(new FaultPlan { Seed = 9, CrashEveryNRequests = 1, CrashPoints = point, MaxCrashes = 3 });
        state.Virtio.Faults = injector.ForDevice("net0");
        var parent = Sys.ActorOf(SupervisingParent.Props(NetDevice.Props(vm.Memory, vm.Transport, CreateTestProbe().Ref, new BurstProbeBackend(wire.Ref), A, state)));
        var net = await parent.Ask<IActorRef>(SupervisingParent.GetChild.Instance, Timeout);
        net.Tell(vm.StartMessage());
        var tx = vm.Drivers[NetDevice.TransmitQueue];

        var frames = Enumerable.Range(0, 5).Select(i => Frame(B, A, 46, (byte)i)).ToList();
        foreach (var f in frames)
        {
            tx.PostChain(tx.Readable(WithHeader(f)));
        }
        net.Tell(Kick.For(NetDevice.TransmitQueue));

        var sent = new List<byte[]>();
        while (sent.Count < frames.Count)
        {
            sent.AddRange(await wire.ExpectMsgAsync<IReadOnlyList<byte[]>>(Timeout));
        }
        await wire.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(frames, sent);
        await AwaitConditionAsync(() => Task.FromResult(tx.UsedIdx == 5), Timeout);
        Assert.Equal(3, injector.Counters.Crashes);
    }
}
