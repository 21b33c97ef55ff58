using LguestActors.Actors.Devices.Virtio;
using LguestActors.Cpu.Memory;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

public sealed class VirtQueueTests
{
    private const ulong Ram = 1 << 20;
    private const ushort Size = 8;
    private const ulong RingAt = Ram; // rings live above RAM, as the device page puts them

    private readonly GuestMemory _memory = new((long)Ram + (4 * GuestMemory.PageSize));
    private readonly FakeVirtioDriver _driver;

    public VirtQueueTests()
    {
        _driver = new FakeVirtioDriver(_memory, Size, RingAt, 0x10000, 0x80000);
    }

    private VirtQueue Queue(ChainDirection direction = ChainDirection.ReadThenWrite, RingFeatures features = default, VirtQueueState? state = null) =>
        new(_memory, new QueueSetup(0, Size, 1, RingAt), Ram, direction, features, state ?? new VirtQueueState());

    [Fact]
    public void A_posted_chain_comes_out_validated_with_its_readable_and_writable_parts()
    {
        var q = Queue();
        ushort head = _driver.PostChain(_driver.Readable("hdr"), _driver.Readable("body"), _driver.Writable(16));
        Assert.True(q.TryPop(out var chain));
        Assert.Equal(head, chain.Head);
        Assert.Equal(7, chain.ReadableLength);
        Assert.Equal(16, chain.WritableLength);
        Assert.Equal("hdrbody", System.Text.Encoding.UTF8.GetString(chain.ReadAll(_memory)));
        Assert.False(q.TryPop(out _));
    }

    [Fact]
    public void Completing_a_chain_publishes_the_used_entry_and_index()
    {
        var q = Queue();
        ushort head = _driver.PostWritable(8);
        Assert.True(q.TryPop(out var chain));
        chain.Write(_memory, "ok"u8);
        q.Complete(chain.Head, 2);
        var used = Assert.Single(_driver.TakeUsed());
        Assert.Equal(new UsedElement(head, 2), used);
        Assert.Equal("ok", _driver.ReadWrittenText(used));
    }

    [Fact]
    public void Indirect_tables_are_walked_when_the_feature_was_agreed()
    {
        var q = Queue(features: new RingFeatures(IndirectDescriptors: true, EventIndex: false));
        _driver.PostIndirect(_driver.Readable("in"), _driver.Readable("direct"), _driver.Writable(4));
        Assert.True(q.TryPop(out var chain));
        Assert.Equal(3, chain.Segments.Count);
        Assert.Equal("indirect", System.Text.Encoding.UTF8.GetString(chain.ReadAll(_memory)));
    }

    [Fact]
    public void The_guest_is_interrupted_unless_it_set_NO_INTERRUPT()
    {
        var q = Queue();
        _driver.PostWritable(4);
        Assert.True(q.TryPop(out var c1));
        q.Complete(c1.Head, 0);
        Assert.True(q.ShouldInterrupt());
        Assert.False(q.ShouldInterrupt()); // nothing new since

        _driver.SuppressInterrupts = true;
        _driver.PostWritable(4);
        Assert.True(q.TryPop(out var c2));
        q.Complete(c2.Head, 0);
        Assert.False(q.ShouldInterrupt());
    }

    [Fact]
    public void With_the_event_index_the_guest_is_interrupted_only_when_used_passes_used_event()
    {
        var q = Queue(features: new RingFeatures(false, EventIndex: true));
        _driver.SuppressInterrupts = true; // ignored once EVENT_IDX is agreed
        _driver.SetUsedEvent(1);           // "interrupt me when entry 1 is used"
        for (int i = 0; i < 2; i++)
        {
            _driver.PostWritable(4);
        }
        Assert.True(q.TryPop(out var c1));
        q.Complete(c1.Head, 0);
        Assert.False(q.ShouldInterrupt()); // used.idx 1: entry 0 done, not yet past used_event
        Assert.True(q.TryPop(out var c2));
        q.Complete(c2.Head, 0);
        Assert.True(q.ShouldInterrupt());  // used.idx 2 passes used_event 1
        Assert.False(q.TryPop(out _));
        Assert.Equal(2, _driver.AvailEvent); // and it asks to be kicked for the next buffer
    }

    [Fact]
    public void Queue_state_kept_outside_the_engine_lets_a_new_engine_carry_on()
    {
        var state = new VirtQueueState();
        var first = Queue(state: state);
        ushort a = _driver.PostWritable(4);
        ushort b = _driver.PostWritable(4);
        Assert.True(first.TryPop(out _));
        // A device restart: a new engine over the same state neither repeats nor loses a chain.
        var second = Queue(state: state);
        Assert.True(second.TryPop(out var next));
        Assert.Equal(b, next.Head);
        Assert.Equal(new ushort[] { a, b }, state.InFlight.OrderBy(h => h).ToArray());
        second.Complete(a, 0);
        Assert.Equal(new UsedElement(a, 0), Assert.Single(_driver.TakeUsed()));
    }

    public static TheoryData<string, string> MalformedChains => new()
    {
        { "head>=num", "head descriptor 8 is outside the queue" },
        { "next>=num", "chains to next 9, outside the queue" },
        { "loop", "loops back to descriptor 0" },
        { "longer-than-num", "longer than the queue size 8" },
        { "outside-ram", "lies outside guest RAM" },
        { "overflow", "wraps around the address space" },
        { "wrong-direction", "is device-writable but this queue only takes readable buffers" },
        { "readable-after-writable", "readable after a writable buffer" },
        { "readable-on-receiveq", "is device-readable but this queue only takes writable buffers" },
        { "avail-too-far-ahead", "more than the queue size 8" },
        { "indirect-not-agreed", "VIRTIO_RING_F_INDIRECT_DESC was not agreed" },
        { "indirect-and-next", "sets both INDIRECT and NEXT" },
        { "indirect-bad-length", "not a whole number of 16-byte descriptors" },
        { "indirect-loop", "indirect table of descriptor 0 loops back" },
        { "nested-indirect", "nests another INDIRECT" },
    };

    [Theory]
    [MemberData(nameof(MalformedChains))]
    public void A_malformed_chain_is_refused_with_one_clear_reason(string @case, string reason)
    {
        bool indirectAgreed = @case != "indirect-not-agreed";
        var direction = @case switch
        {
            "wrong-direction" => ChainDirection.ReadOnly,
            "readable-on-receiveq" => ChainDirection.WriteOnly,
            _ => ChainDirection.ReadThenWrite,
        };
        var q = Queue(direction, new RingFeatures(indirectAgreed, false));
        MalformedChain.Post(_driver, @case, Ram);
        var ex = Assert.Throws<VirtQueueException>(() => q.TryPop(out _));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>Broken chains a buggy or hostile guest could post, by name.</summary>
internal static class MalformedChain
{
    public static void Post(FakeVirtioDriver d, string @case, ulong ram)
    {
        ushort size = d.Layout.Size;
        var ok = d.Readable("x");
        switch (@case)
        {
            case "head>=num":
                d.Publish(size);
                break;
            case "next>=num":
                d.WriteDescriptor(0, ok.Address, ok.Length, 1, (ushort)(size + 1));
                d.Publish(0);
                break;
            case "loop":
                d.WriteDescriptor(0, ok.Address, ok.Length, 1, 1);
                d.WriteDescriptor(1, ok.Address, ok.Length, 1, 0);
                d.Publish(0);
                break;
            case "longer-than-num":
                d.PostIndirect(Enumerable.Repeat(ok, size + 1).ToArray());
                break;
            case "outside-ram":
                d.WriteDescriptor(0, ram, 16, 0, 0); // the device page is not RAM
                d.Publish(0);
                break;
            case "overflow":
                d.WriteDescriptor(0, ulong.MaxValue - 0xF, 0x20, 0, 0);
                d.Publish(0);
                break;
            case "wrong-direction":
                d.PostChain(d.Writable(8));
                break;
            case "readable-on-receiveq":
                d.PostChain(ok);
                break;
            case "readable-after-writable":
                d.PostChain(d.Writable(8), ok);
                break;
            case "avail-too-far-ahead":
                d.WriteDescriptor(0, ok.Address, ok.Length, 0, 0);
                d.SetAvailIdx((ushort)(size + 1));
                break;
            case "indirect-not-agreed":
                d.PostIndirect(ok);
                break;
            case "indirect-and-next":
                d.WriteDescriptor(0, ok.Address, 16, 4 | 1, 1);
                d.Publish(0);
                break;
            case "indirect-bad-length":
                d.WriteDescriptor(0, ok.Address, 17, 4, 0);
                d.Publish(0);
                break;
            case "indirect-loop":
            {
                ulong table = d.Allocate(32);
                d.WriteDescriptorAt(table, ok.Address, ok.Length, 1, 1);
                d.WriteDescriptorAt(table + 16, ok.Address, ok.Length, 1, 0);
                d.WriteDescriptor(0, table, 32, 4, 0);
                d.Publish(0);
                break;
            }
            case "nested-indirect":
            {
                ulong table = d.Allocate(16);
                d.WriteDescriptorAt(table, ok.Address, 16, 4, 0);
                d.WriteDescriptor(0, table, 16, 4, 0);
                d.Publish(0);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(@case), @case, "no such malformed chain");
        }
    }
}
