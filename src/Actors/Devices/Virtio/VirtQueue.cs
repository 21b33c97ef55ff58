using System.Diagnostics.CodeAnalysis;
using LguestActors.Actors.Faults;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// The virtqueue engine every device shares: takes chains from the available ring, validates
/// them against the rules a guest can break, publishes used entries and decides whether the guest
/// wants an interrupt. The queue's progress lives in a <see cref="VirtQueueState"/> the owner
/// may keep across a device restart. Not thread-safe: one actor drives it.
/// </summary>
public sealed class VirtQueue
{
    private readonly GuestMemory _memory;
    private readonly ulong _ramSize;
    private readonly ChainDirection _direction;
    private readonly bool[] _visited;

    public VirtQueue(GuestMemory memory, QueueSetup setup, ulong ramSize, ChainDirection direction, RingFeatures features, VirtQueueState state)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.Size == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(setup), "a virtqueue has at least one entry");
        }
        _memory = memory;
        _ramSize = ramSize;
        _direction = direction;
        Setup = setup;
        Layout = setup.Layout;
        Features = features;
        State = state;
        _visited = new bool[setup.Size];
    }

    public QueueSetup Setup { get; }

    public RingLayout Layout { get; }

    public RingFeatures Features { get; }

    public VirtQueueState State { get; }

    private ushort Size => Layout.Size;

    /// <summary>
    /// Takes the next available chain, validated. False when the guest has posted nothing new.
    /// </summary>
    /// <exception cref="VirtQueueException">the guest broke a ring rule; the queue is unusable until reset.</exception>
    public bool TryPop([NotNullWhen(true)] out DescriptorChain? chain)
    {
        ushort availIdx = _memory.ReadU16Acquire(Layout.AvailIdx);
        if (availIdx == State.LastAvailIdx && Features.EventIndex)
        {
            // VIRTIO_RING_F_EVENT_IDX: ask to be kicked for the very next buffer, then look again
            // in case the guest posted one before it could see the new avail_event.
            _memory.WriteU16(Layout.AvailEvent, State.LastAvailIdx);
            Interlocked.MemoryBarrier();
            availIdx = _memory.ReadU16Acquire(Layout.AvailIdx);
        }
        ushort pending = (ushort)(availIdx - State.LastAvailIdx);
        if (pending == 0)
        {
            chain = null;
            return false;
        }
        if (pending > Size)
        {
            throw new VirtQueueException(
                $"avail.idx {availIdx} is {pending} entries ahead of the last one taken ({State.LastAvailIdx}), more than the queue size {Size}");
        }
        State.Faults.MaybeCorrupt(_memory, Layout, State.LastAvailIdx, _ramSize);
        ushort head = _memory.ReadU16(Layout.AvailRing(State.LastAvailIdx % Size));
        chain = Walk(head);
        if (!State.TakeHead(head))
        {
            throw new VirtQueueException($"head descriptor {head} was made available again while the device still holds it");
        }
        State.LastAvailIdx++;
        State.Events.RequestStarted(Setup.Index, head, chain.ReadableLength, chain.WritableLength);
        State.Faults.CountTaken();
        State.Faults.At(FaultPoint.AfterTake);
        return true;
    }

    /// <summary>
    /// The chains taken but not completed, walked again from their heads: what a restarted
    /// device must finish so that a restart neither loses nor repeats a request (DESIGN §6).
    /// The guest may not touch a chain's descriptors until it is used, so they still hold.
    /// </summary>
    public IReadOnlyList<DescriptorChain> InFlightChains() =>
        State.InFlightInTakeOrder.Select(Walk).ToList();

    /// <summary>Returns a chain to the guest: the used entry, then used.idx with release.</summary>
    public void Complete(ushort head, uint writtenLength)
    {
        State.Faults.At(FaultPoint.BeforePublish);
        if (!State.ReturnHead(head))
        {
            throw new InvalidOperationException($"head {head} is not in flight on queue {Setup.Index}");
        }
        ulong slot = Layout.UsedRing(State.UsedIdx % Size);
        _memory.WriteU32(slot, head);
        _memory.WriteU32(slot + 4, writtenLength);
        State.UsedIdx++;
        _memory.WriteU16Release(Layout.UsedIdx, State.UsedIdx);
        State.Events.RequestCompleted(Setup.Index, head, writtenLength);
        State.Faults.CountPublished();
        State.Faults.At(FaultPoint.AfterPublish);
    }

    /// <summary>
    /// Does a chain's side effect exactly once across restarts: skipped if a previous
    /// incarnation already did it (then its recorded length is returned), otherwise done between
    /// the BeforeSideEffect and AfterSideEffect injection points and recorded before anything
    /// else can fail. Returns the length to publish.
    /// </summary>
    public uint ApplyOnce(DescriptorChain chain, Func<DescriptorChain, uint> sideEffect)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(sideEffect);
        if (!State.TryGetApplied(chain.Head, out uint written))
        {
            State.Faults.At(FaultPoint.BeforeSideEffect);
            written = sideEffect(chain);
            State.MarkApplied(chain.Head, written);
        }
        State.Faults.At(FaultPoint.AfterSideEffect);
        return written;
    }

    /// <summary>
    /// After completing one or more chains: does the guest want an interrupt? Honours
    /// VRING_AVAIL_F_NO_INTERRUPT, or used_event when VIRTIO_RING_F_EVENT_IDX was agreed.
    /// </summary>
    public bool ShouldInterrupt()
    {
        ushort newIdx = State.UsedIdx;
        ushort oldIdx = State.SignalledUsedIdx;
        if (newIdx == oldIdx)
        {
            return false;
        }
        // The used.idx store must be visible before we read the guest's suppression state.
        Interlocked.MemoryBarrier();
        bool interrupt;
        if (Features.EventIndex)
        {
            ushort usedEvent = _memory.ReadU16Acquire(Layout.UsedEvent);
            interrupt = (ushort)(newIdx - usedEvent - 1) < (ushort)(newIdx - oldIdx); // vring_need_event
        }
        else
        {
            interrupt = (_memory.ReadU16Acquire(Layout.AvailFlags) & RingLayout.AvailNoInterrupt) == 0;
        }
        State.SignalledUsedIdx = newIdx;
        return interrupt;
    }

    private DescriptorChain Walk(ushort head)
    {
        if (head >= Size)
        {
            throw new VirtQueueException($"head descriptor {head} is outside the queue of {Size} entries");
        }
        Array.Clear(_visited);
        var segments = new List<ChainSegment>();
        int index = head;
        while (true)
        {
            if (_visited[index])
            {
                throw new VirtQueueException($"descriptor chain from head {head} loops back to descriptor {index}");
            }
            _visited[index] = true;
            var d = ReadDescriptor(Layout.Descriptor(index));
            if ((d.Flags & RingLayout.DescIndirect) != 0)
            {
                WalkIndirect(head, index, d, segments);
                break;
            }
            Add(segments, head, $"descriptor {index}", d);
            if ((d.Flags & RingLayout.DescNext) == 0)
            {
                break;
            }
            if (d.Next >= Size)
            {
                throw new VirtQueueException($"descriptor {index} chains to next {d.Next}, outside the queue of {Size} entries");
            }
            index = d.Next;
        }
        return new DescriptorChain(head, segments);
    }

    private void WalkIndirect(ushort head, int index, in Descriptor d, List<ChainSegment> segments)
    {
        if (!Features.IndirectDescriptors)
        {
            throw new VirtQueueException($"descriptor {index} is INDIRECT but VIRTIO_RING_F_INDIRECT_DESC was not agreed");
        }
        if ((d.Flags & RingLayout.DescNext) != 0)
        {
            throw new VirtQueueException($"descriptor {index} sets both INDIRECT and NEXT");
        }
        if (d.Length == 0 || d.Length % RingLayout.DescriptorSize != 0)
        {
            throw new VirtQueueException($"indirect table of descriptor {index} is {d.Length} bytes, not a whole number of 16-byte descriptors");
        }
        CheckInRam($"indirect table of descriptor {index}", d.Address, d.Length);
        uint count = d.Length / RingLayout.DescriptorSize;
        if (segments.Count + count > Size)
        {
            throw new VirtQueueException($"descriptor chain from head {head} is longer than the queue size {Size} ({segments.Count + count} descriptors with its indirect table)");
        }
        var visited = new bool[count];
        uint j = 0;
        while (true)
        {
            if (visited[j])
            {
                throw new VirtQueueException($"indirect table of descriptor {index} loops back to entry {j}");
            }
            visited[j] = true;
            var e = ReadDescriptor(d.Address + (j * RingLayout.DescriptorSize));
            if ((e.Flags & RingLayout.DescIndirect) != 0)
            {
                throw new VirtQueueException($"indirect table of descriptor {index} nests another INDIRECT at entry {j}");
            }
            Add(segments, head, $"indirect entry {j} of descriptor {index}", e);
            if ((e.Flags & RingLayout.DescNext) == 0)
            {
                return;
            }
            if (e.Next >= count)
            {
                throw new VirtQueueException($"indirect entry {j} of descriptor {index} chains to next {e.Next}, outside its table of {count}");
            }
            j = e.Next;
        }
    }

    private void Add(List<ChainSegment> segments, ushort head, string what, in Descriptor d)
    {
        if (segments.Count >= Size)
        {
            throw new VirtQueueException($"descriptor chain from head {head} is longer than the queue size {Size}");
        }
        CheckInRam(what, d.Address, d.Length);
        bool writable = (d.Flags & RingLayout.DescWrite) != 0;
        if (writable && _direction == ChainDirection.ReadOnly)
        {
            throw new VirtQueueException($"{what} is device-writable but this queue only takes readable buffers");
        }
        if (!writable && _direction == ChainDirection.WriteOnly)
        {
            throw new VirtQueueException($"{what} is device-readable but this queue only takes writable buffers");
        }
        if (!writable && segments.Count > 0 && segments[^1].Writable)
        {
            throw new VirtQueueException($"{what} is readable after a writable buffer (readable buffers must come first)");
        }
        segments.Add(new ChainSegment(d.Address, d.Length, writable));
    }

    private void CheckInRam(string what, ulong address, uint length)
    {
        if (address + length < address)
        {
            throw new VirtQueueException($"{what} at 0x{address:x}+{length} wraps around the address space");
        }
        if (address >= _ramSize || length > _ramSize - address)
        {
            throw new VirtQueueException($"{what} at 0x{address:x}+{length} lies outside guest RAM (0x{_ramSize:x} bytes)");
        }
    }

    private Descriptor ReadDescriptor(ulong at)
    {
        var raw = _memory.ReadOnlySpan(at, RingLayout.DescriptorSize);
        return new Descriptor(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(raw),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(raw[12..]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(raw[14..]));
    }

    private readonly record struct Descriptor(ulong Address, uint Length, ushort Flags, ushort Next);
}
