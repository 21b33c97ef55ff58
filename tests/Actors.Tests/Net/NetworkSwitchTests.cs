using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Network;
using static LguestActors.Actors.Tests.Net.NetFrames;

namespace LguestActors.Actors.Tests.Net;

public sealed class NetworkSwitchTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    private readonly IActorRef _switch;

    public NetworkSwitchTests()
    {
        _switch = Sys.ActorOf(NetworkSwitch.Props("test"), "lan-test");
    }

    private async Task<TestProbe> AttachAsync(string name, int bound = NetInbox.DefaultBound)
    {
        var port = CreateTestProbe(name);
        _switch.Tell(new AttachPort(name, new NetInbox(bound)), port.Ref);
        await port.ExpectMsgAsync<PortAttached>(Timeout);
        return port;
    }

    private void Send(TestProbe from, byte[] frame) => _switch.Tell(new SwitchFrame(frame), from.Ref);

    private Task<SwitchStats> StatsAsync() => _switch.Ask<SwitchStats>(GetSwitchStats.Instance, Timeout);

    private static async Task<byte[]> ReceivedAsync(TestProbe port) => (await port.ExpectMsgAsync<NetFrameIn>(Timeout)).Frame;

    [Fact]
    public async Task A_burst_reaches_each_port_as_one_message_in_order_and_the_bound_still_counts_each_frame()
    {
        var a = await AttachAsync("a");
        var b = await AttachAsync("b", bound: 3);
        var c = await AttachAsync("c");
        Send(b, Frame(A, B)); // learn B on port b
        await ReceivedAsync(a);
        await ReceivedAsync(c);

        var frames = Enumerable.Range(1, 5).Select(i => Frame(B, A, fill: (byte)i)).ToArray();
        _switch.Tell(new SwitchFrames(frames), a.Ref);

        var burst = await b.ExpectMsgAsync<NetFramesIn>(Timeout);
        Assert.Equal(frames.Take(3), burst.Frames);
        await c.ExpectNoMsgAsync(Quiet);
        var port = (await StatsAsync()).Port("b")!;
        Assert.Equal((3, 2L), (port.TxFrames, port.TxDropped));
        Assert.Equal(5, (await StatsAsync()).Port("a")!.RxFrames);
    }

    [Fact]
    public async Task A_frame_to_an_unknown_MAC_is_flooded_to_every_other_port()
    {
        var a = await AttachAsync("a");
        var b = await AttachAsync("b");
        var c = await AttachAsync("c");

        var frame = Frame(B, A);
        Send(a, frame);

        Assert.Same(frame, await ReceivedAsync(b));
        Assert.Same(frame, await ReceivedAsync(c));
        await a.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task Once_the_destination_has_spoken_frames_to_it_go_to_its_port_only()
    {
        var a = await AttachAsync("a");
        var b = await AttachAsync("b");
        var c = await AttachAsync("c");
        Send(b, Frame(A, B)); // b speaks: the switch learns B on port b (and floods, A is unknown)
        await ReceivedAsync(a);
        await ReceivedAsync(c);

        Send(a, Frame(B, A));

        Assert.Equal(A, EthernetFrame.Source(await ReceivedAsync(b)));
        await c.ExpectNoMsgAsync(Quiet);
        var stats = await StatsAsync();
        Assert.Equal(stats.Port("b")!.Port, stats.MacTable[B]);
        Assert.Equal(stats.Port("a")!.Port, stats.MacTable[A]);
    }

    [Fact]
    public async Task Broadcast_is_flooded_even_when_every_MAC_is_learned()
    {
        var a = await AttachAsync("a");
        var b = await AttachAsync("b");
        var c = await AttachAsync("c");
        Send(b, Frame(A, B));
        Send(c, Frame(A, C));
        await a.ReceiveNAsync(2, Timeout).ToListAsync();
        await ReceivedAsync(c);
        await ReceivedAsync(b);

        Send(a, Frame(MacAddress.Broadcast, A));

        await ReceivedAsync(b);
        await ReceivedAsync(c);
        await a.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_port_whose_device_stops_is_removed_with_the_MACs_learned_on_it()
    {
        var a = await AttachAsync("a");
        var b = await AttachAsync("b");
        var c = await AttachAsync("c");
        Send(b, Frame(A, B));
        await ReceivedAsync(a);
        Assert.True((await StatsAsync()).MacTable.ContainsKey(B));

        await b.Ref.GracefulStop(Timeout);
        await AwaitConditionAsync(async () => (await StatsAsync()).Port("b") is null, Timeout);

        var stats = await StatsAsync();
        Assert.False(stats.MacTable.ContainsKey(B));
        Assert.Equal(["a", "c"], stats.Ports.Select(p => p.Name));
        // A frame to B is unknown again: flooded to those left.
        Send(a, Frame(B, A));
        await ReceivedAsync(c);
    }

    [Fact]
    public async Task Per_port_counters_count_frames_and_bytes_each_way_and_drops_at_a_full_port()
    {
        var a = await AttachAsync("a");
        var b = await AttachAsync("b", bound: 2); // b never takes its frames: its inbox fills at 2
        for (int i = 0; i < 5; i++)
        {
            Send(a, Frame(B, A, 100));
        }

        await AwaitConditionAsync(async () => (await StatsAsync()).Port("a")!.RxFrames == 5, Timeout);
        var stats = await StatsAsync();
        Assert.Equal(new SwitchPortStats(stats.Port("a")!.Port, "a", 5, 5 * 114, 0, 0, 0), stats.Port("a"));
        Assert.Equal(new SwitchPortStats(stats.Port("b")!.Port, "b", 0, 0, 2, 2 * 114, 3), stats.Port("b"));
        await b.ReceiveNAsync(2, Timeout).ToListAsync();
        await a.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_frame_from_an_actor_that_is_not_a_port_is_dropped_and_counted()
    {
        var a = await AttachAsync("a");
        var stranger = CreateTestProbe();
        Send(stranger, Frame(MacAddress.Broadcast, C));

        await a.ExpectNoMsgAsync(Quiet);
        Assert.Equal(1, (await StatsAsync()).UnknownSenderFrames);
    }
}
