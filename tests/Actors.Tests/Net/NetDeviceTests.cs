using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;
using static LguestActors.Actors.Tests.Net.NetFrames;

namespace LguestActors.Actors.Tests.Net;

public sealed class NetDeviceTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly VirtioDeviceHarness _vm = Harness(A);
    private readonly TestProbe _irq;
    private readonly TestProbe _wire;
    private readonly ProbeNetBackend _backend;
    private readonly NetDeviceState _state = new();
    private readonly IActorRef _net;

    public NetDeviceTests()
    {
        _irq = CreateTestProbe("irq");
        _wire = CreateTestProbe("wire");
        _backend = new ProbeNetBackend(_wire.Ref);
        _net = Sys.ActorOf(NetDevice.Props(_vm.Memory, _vm.Transport, _irq.Ref, _backend, A, _state));
    }

    private FakeVirtioDriver Rx => _vm.Drivers[NetDevice.ReceiveQueue];

    private FakeVirtioDriver Tx => _vm.Drivers[NetDevice.TransmitQueue];

    private int RxIrq => _vm.Descriptor.Queues[NetDevice.ReceiveQueue].Irq;

    private int TxIrq => _vm.Descriptor.Queues[NetDevice.TransmitQueue].Irq;

    private void Start(params int[] features)
    {
        _vm.AcceptFeatures(features);
        _net.Tell(_vm.StartMessage(), _irq.Ref);
    }

    private Task<NetStats> StatsAsync() => _net.Ask<NetStats>(GetNetStats.Instance, Timeout);

    [Fact]
    public void The_device_page_offers_the_MAC_feature_and_holds_the_MAC_in_config_space()
    {
        Assert.Equal(NetDevice.VirtioId, _vm.Descriptor.Type);
        Assert.True(FeatureBits.Has(_vm.Descriptor.OfferedFeatures.Span, NetConfig.FeatureMac));
        Assert.Equal("52:54:00:00:00:0a", MacAddress.Read(_vm.Memory.ReadOnlySpan(_vm.Descriptor.ConfigAddress, 6)).ToString());
    }

    [Fact]
    public async Task A_transmitted_frame_reaches_the_backend_without_its_header_and_raises_the_transmit_IRQ()
    {
        Start(NetConfig.FeatureMac);
        var frame = Frame(B, A, 100);
        // The header and the frame in separate descriptors, as Linux's virtio_net sends them.
        ushort head = Tx.PostChain(Tx.Readable(WithHeader([])), Tx.Readable(frame));
        _net.Tell(Kick.For(NetDevice.TransmitQueue), _irq.Ref);

        Assert.Equal(frame, await _wire.ExpectMsgAsync<byte[]>(Timeout));
        Assert.Equal(TxIrq, (await _irq.ExpectMsgAsync<RaiseIrq>(Timeout)).Irq);
        Assert.Equal(new UsedElement(head, 0), Assert.Single(Tx.TakeUsed()));
        var stats = await StatsAsync();
        Assert.Equal((1, frame.Length), (stats.TxFrames, stats.TxBytes));
    }

    [Fact]
    public async Task An_arriving_frame_lands_in_a_posted_buffer_behind_a_zero_header_and_raises_the_receive_IRQ()
    {
        Rx.PostWritable(NetHeader.Size + EthernetFrame.MaxSize);
        Start();
        var frame = Frame(A, B, 200);
        _net.Tell(new NetFrameIn(frame));

        Assert.Equal(RxIrq, (await _irq.ExpectMsgAsync<RaiseIrq>(Timeout)).Irq);
        var used = Assert.Single(Rx.TakeUsed());
        var written = Rx.ReadWritten(used);
        Assert.Equal(new byte[NetHeader.Size], written[..NetHeader.Size]);
        Assert.Equal(frame, written[NetHeader.Size..]);
        Assert.Equal((1, frame.Length), ((await StatsAsync()).RxFrames, (await StatsAsync()).RxBytes));
    }

    [Fact]
    public async Task A_frame_split_over_two_buffers_is_scattered_across_them()
    {
        Rx.PostChain(Rx.Writable(NetHeader.Size), Rx.Writable(EthernetFrame.MaxSize));
        Start();
        var frame = Frame(A, B, 60);
        _net.Tell(new NetFrameIn(frame));

        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal(frame, Rx.ReadWritten(Assert.Single(Rx.TakeUsed()))[NetHeader.Size..]);
    }

    [Fact]
    public async Task A_frame_that_finds_no_posted_buffer_is_dropped_and_counted()
    {
        Start();
        _net.Tell(new NetFrameIn(Frame(A, B)));
        _net.Tell(new NetFrameIn(Frame(A, B)));

        var stats = await StatsAsync();
        Assert.Equal(2, stats.RxDroppedNoBuffer);
        Assert.Equal(0, stats.RxFrames);
        // The drop did not wedge the device: a buffer posted now takes the next frame.
        Rx.PostWritable(NetHeader.Size + EthernetFrame.MaxSize);
        _net.Tell(Kick.For(NetDevice.ReceiveQueue), _irq.Ref);
        _net.Tell(new NetFrameIn(Frame(A, C)));
        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal(C, EthernetFrame.Source(Rx.ReadWritten(Assert.Single(Rx.TakeUsed())).AsSpan(NetHeader.Size)));
    }

    [Fact]
    public async Task A_frame_larger_than_the_buffer_is_dropped_and_the_buffer_takes_the_next_frame_that_fits()
    {
        Rx.PostWritable(NetHeader.Size + 100);
        Start();
        _net.Tell(new NetFrameIn(Frame(A, B, 500)));
        _net.Tell(new NetFrameIn(new byte[EthernetFrame.MaxSize + 1]));
        var small = Frame(A, B, 50);
        _net.Tell(new NetFrameIn(small));

        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal(small, Rx.ReadWritten(Assert.Single(Rx.TakeUsed()))[NetHeader.Size..]);
        var stats = await StatsAsync();
        Assert.Equal((2, 1L), (stats.RxDroppedOversize, stats.RxFrames));
    }

    [Fact]
    public async Task A_guest_frame_of_the_wrong_size_is_dropped_and_counted_without_failing_the_device()
    {
        Start();
        Tx.PostChain(Tx.Readable(WithHeader(new byte[5])));
        Tx.PostChain(Tx.Readable(WithHeader(Frame(B, A, 60))));
        _net.Tell(Kick.For(NetDevice.TransmitQueue), _irq.Ref);

        Assert.Equal(Frame(B, A, 60), await _wire.ExpectMsgAsync<byte[]>(Timeout));
        var stats = await StatsAsync();
        Assert.Equal((1, 1L), (stats.TxDropped, stats.TxFrames));
        Assert.Equal(0, _vm.Status & VirtioStatus.Failed);
    }

    public static TheoryData<string> MalformedChains => new()
    {
        "transmit-shorter-than-header",
        "transmit-asks-for-checksum",
        "transmit-asks-for-gso",
        "transmit-writable",
        "transmit-outside-ram",
        "receive-readable",
    };

    [Theory]
    [MemberData(nameof(MalformedChains))]
    public async Task A_malformed_chain_fails_the_device_with_one_log_line(string @case)
    {
        Start();
        await StatsAsync(); // the start is handled: the broken chain is found by the kick below, inside the filter
        int queue = @case.StartsWith("receive", StringComparison.Ordinal) ? NetDevice.ReceiveQueue : NetDevice.TransmitQueue;
        Action act = @case switch
        {
            "transmit-shorter-than-header" => () => Tx.PostChain(Tx.Readable(new byte[6])),
            "transmit-asks-for-checksum" => () => Tx.PostChain(Tx.Readable(WithHeader(Frame(B, A), flags: NetHeader.FlagNeedsCsum))),
            "transmit-asks-for-gso" => () => Tx.PostChain(Tx.Readable(WithHeader(Frame(B, A), gsoType: 1))),
            "transmit-writable" => () => Tx.PostChain(Tx.Readable(WithHeader([])), Tx.Writable(64)),
            "transmit-outside-ram" => () => Tx.PostChain(new FakeBuffer(_vm.RamSize - 4, 64, false)),
            "receive-readable" => () => Rx.PostChain(Rx.Readable(new byte[1600])),
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };
        act();

        await EventFilter.Error(contains: "device FAILED").ExpectOneWhileAsync(() =>
        {
            if (queue == NetDevice.TransmitQueue)
            {
                _net.Tell(Kick.For(queue), _irq.Ref);
            }
            else
            {
                _net.Tell(new NetFrameIn(Frame(A, B)));
            }
        }, Timeout);
        Assert.Equal(VirtioStatus.Failed, _vm.Status & VirtioStatus.Failed);
        _wire.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // Still alive, answering, and counting what it can no longer take.
        _net.Tell(new NetFrameIn(Frame(A, B)));
        Assert.True((await StatsAsync()).RxDroppedNoBuffer >= 1);
    }

    [Fact]
    public void The_inbox_drops_and_counts_frames_beyond_its_bound_instead_of_queueing_them()
    {
        var inbox = new NetInbox(bound: 2);
        var device = CreateTestProbe();
        Assert.True(inbox.TryDeliver(device.Ref, Frame(A, B)));
        Assert.True(inbox.TryDeliver(device.Ref, Frame(A, B)));
        Assert.False(inbox.TryDeliver(device.Ref, Frame(A, B)));
        Assert.Equal(1, inbox.Dropped);
        inbox.Taken();
        Assert.True(inbox.TryDeliver(device.Ref, Frame(A, B)));
        Assert.Equal(3, device.ReceiveN(3, Timeout).Count);
    }

    [Fact]
    public async Task A_burst_fills_the_posted_buffers_in_order_counts_the_rest_as_drops_and_raises_one_IRQ()
    {
        Rx.PostWritable(NetHeader.Size + EthernetFrame.MaxSize);
        Rx.PostWritable(NetHeader.Size + EthernetFrame.MaxSize);
        Start();
        _net.Tell(new NetFramesIn([Frame(A, B, 50, fill: 1), Frame(A, B, 50, fill: 2), Frame(A, B, 50, fill: 3)]));

        Assert.Equal(RxIrq, (await _irq.ExpectMsgAsync<RaiseIrq>(Timeout)).Irq);
        var used = Rx.TakeUsed();
        Assert.Equal([1, 2], used.Select(u => Rx.ReadWritten(u)[^1]).ToArray());
        var stats = await StatsAsync();
        Assert.Equal((2, 1L), (stats.RxFrames, stats.RxDroppedNoBuffer));
        await _irq.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task The_device_asks_for_no_receive_kicks_because_each_frame_looks_for_a_buffer()
    {
        Assert.Equal(0, Rx.Memory.ReadU16(Rx.Layout.UsedFlags) & RingLayout.UsedNoNotify);
        Start();
        await StatsAsync();
        Assert.Equal(RingLayout.UsedNoNotify, Rx.Memory.ReadU16(Rx.Layout.UsedFlags) & RingLayout.UsedNoNotify);
        Assert.Equal(0, Tx.Memory.ReadU16(Tx.Layout.UsedFlags) & RingLayout.UsedNoNotify);
        // A buffer posted without a kick takes the next frame.
        Rx.PostWritable(NetHeader.Size + EthernetFrame.MaxSize);
        _net.Tell(new NetFrameIn(Frame(A, B)));
        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Single(Rx.TakeUsed());
    }

    [Fact]
    public async Task Frames_queued_together_go_to_the_backend_as_one_burst_in_order()
    {
        var wire = CreateTestProbe();
        var backend = new BurstProbeBackend(wire.Ref);
        var vm = Harness(A);
        var net = Sys.ActorOf(NetDevice.Props(vm.Memory, vm.Transport, _irq.Ref, backend, A, new NetDeviceState()));
        var tx = vm.Drivers[NetDevice.TransmitQueue];
        tx.PostChain(tx.Readable(WithHeader(Frame(B, A, 60, fill: 1))));
        tx.PostChain(tx.Readable(WithHeader(new byte[5]))); // dropped, counted, the burst goes on
        tx.PostChain(tx.Readable(WithHeader([])), tx.Readable(Frame(B, A, 60, fill: 2)));
        vm.AcceptFeatures(NetConfig.FeatureMac);
        net.Tell(vm.StartMessage(), _irq.Ref);

        var burst = await wire.ExpectMsgAsync<IReadOnlyList<byte[]>>(Timeout);
        Assert.Equal([Frame(B, A, 60, fill: 1), Frame(B, A, 60, fill: 2)], burst);
        Assert.Equal(3, tx.TakeUsed().Count);
    }

    [Fact]
    public void The_inbox_delivers_as_much_of_a_burst_as_its_bound_allows_and_counts_the_rest()
    {
        var inbox = new NetInbox(bound: 3);
        var device = CreateTestProbe();
        Assert.Equal(1, inbox.TryDeliverMany(device.Ref, [Frame(A, B)]));
        Assert.Equal(2, inbox.TryDeliverMany(device.Ref, [Frame(A, B, fill: 1), Frame(A, B, fill: 2), Frame(A, B, fill: 3), Frame(A, B, fill: 4)]));
        Assert.Equal(2, inbox.Dropped);
        Assert.Equal(0, inbox.TryDeliverMany(device.Ref, [Frame(A, B)]));
        Assert.Equal(3, inbox.Dropped);
        device.ExpectMsg<NetFrameIn>(Timeout);
        var burst = device.ExpectMsg<NetFramesIn>(Timeout);
        Assert.Equal([1, 2], burst.Frames.Select(f => f[^1]).ToArray());
        inbox.Taken(3);
        Assert.Equal(2, inbox.TryDeliverMany(device.Ref, [Frame(A, B), Frame(A, B)]));
    }

    [Fact]
    public async Task A_restart_keeps_the_queues_and_counters()
    {
        Rx.PostWritable(NetHeader.Size + EthernetFrame.MaxSize);
        Rx.PostWritable(NetHeader.Size + EthernetFrame.MaxSize);
        Start();
        _net.Tell(new NetFrameIn(Frame(A, B)));
        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);

        var restarted = Sys.ActorOf(NetDevice.Props(_vm.Memory, _vm.Transport, _irq.Ref, _backend, A, _state));
        restarted.Tell(new NetFrameIn(Frame(A, C)));
        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        var used = Rx.TakeUsed();
        Assert.Equal(2, used.Count);
        Assert.Equal(2, (await restarted.Ask<NetStats>(GetNetStats.Instance, Timeout)).RxFrames);
    }
}
