using LguestActors.Actors.Devices.Virtio;
using LguestActors.Cpu.Memory;

namespace LguestActors.Testing;

/// <summary>One buffer of a chain a <see cref="FakeVirtioDriver"/> posts.</summary>
public readonly record struct FakeBuffer(ulong Address, uint Length, bool Writable);

/// <summary>One used-ring entry: the chain's head and the bytes the device wrote.</summary>
public readonly record struct UsedElement(uint Id, uint Length);

/// <summary>
/// The guest's half of one virtqueue, played from a test: lays the ring out in guest memory as a
/// Linux virtio driver would, posts readable and writable chains (one descriptor, several, or an
/// indirect table) from a scratch region, publishes avail.idx with release and reads used entries
/// with acquire. Raw helpers let a test write broken descriptors on purpose.
/// </summary>
public sealed class FakeVirtioDriver
{
    private readonly GuestMemory _memory;
    private readonly ulong _scratchEnd;
    private readonly Dictionary<ushort, FakeBuffer[]> _chains = [];
    private ulong _scratchNext;
    private ushort _availIdx;
    private ushort _usedSeen;
    private int _nextDescriptor;

    public FakeVirtioDriver(GuestMemory memory, ushort size, ulong ringAddress, ulong scratchStart, ulong scratchEnd)
    {
        _memory = memory;
        Layout = new RingLayout(ringAddress, size);
        _scratchNext = scratchStart;
        _scratchEnd = scratchEnd;
    }

    public RingLayout Layout { get; }

    public GuestMemory Memory => _memory;

    /// <summary>The avail.idx this driver has published.</summary>
    public ushort AvailIdx => _availIdx;

    /// <summary>used.idx as the device last published it (acquire).</summary>
    public ushort UsedIdx => _memory.ReadU16Acquire(Layout.UsedIdx);

    /// <summary>VRING_AVAIL_F_NO_INTERRUPT: "don't interrupt me".</summary>
    public bool SuppressInterrupts
    {
        get => (_memory.ReadU16(Layout.AvailFlags) & RingLayout.AvailNoInterrupt) != 0;
        set => _memory.WriteU16(Layout.AvailFlags, value ? RingLayout.AvailNoInterrupt : (ushort)0);
    }

    /// <summary>used_event (VIRTIO_RING_F_EVENT_IDX): interrupt me when used.idx passes this.</summary>
    public void SetUsedEvent(ushort index) => _memory.WriteU16(Layout.UsedEvent, index);

    /// <summary>avail_event as the device wrote it (VIRTIO_RING_F_EVENT_IDX).</summary>
    public ushort AvailEvent => _memory.ReadU16(Layout.AvailEvent);

    /// <summary>Takes <paramref name="length"/> bytes of scratch guest RAM (8-byte aligned).</summary>
    public ulong Allocate(int length)
    {
        ulong at = (_scratchNext + 7) & ~7ul;
        if (at + (ulong)length > _scratchEnd)
        {
            throw new InvalidOperationException("the fake driver's scratch region is full");
        }
        _scratchNext = at + (ulong)length;
        return at;
    }

    public FakeBuffer Readable(ReadOnlySpan<byte> data)
    {
        ulong at = Allocate(data.Length);
        _memory.Write(at, data);
        return new FakeBuffer(at, (uint)data.Length, false);
    }

    public FakeBuffer Readable(string text) => Readable(System.Text.Encoding.UTF8.GetBytes(text));

    public FakeBuffer Writable(int length)
    {
        ulong at = Allocate(length);
        _memory.Fill(at, length, 0);
        return new FakeBuffer(at, (uint)length, true);
    }

    /// <summary>Posts one readable buffer holding <paramref name="text"/>; returns the head.</summary>
    public ushort PostReadable(string text) => PostChain(Readable(text));

    /// <summary>Posts one writable buffer of <paramref name="length"/> bytes; returns the head.</summary>
    public ushort PostWritable(int length) => PostChain(Writable(length));

    /// <summary>Posts the buffers as one chain of descriptors linked by NEXT; returns the head.</summary>
    public ushort PostChain(params FakeBuffer[] buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        var indices = new ushort[buffers.Length];
        for (int i = 0; i < buffers.Length; i++)
        {
            indices[i] = TakeDescriptor();
        }
        for (int i = 0; i < buffers.Length; i++)
        {
            bool last = i == buffers.Length - 1;
            ushort flags = (ushort)((buffers[i].Writable ? RingLayout.DescWrite : 0) | (last ? 0 : RingLayout.DescNext));
            WriteDescriptor(indices[i], buffers[i].Address, buffers[i].Length, flags, last ? (ushort)0 : indices[i + 1]);
        }
        _chains[indices[0]] = buffers;
        Publish(indices[0]);
        return indices[0];
    }

    /// <summary>Posts the buffers through one INDIRECT descriptor pointing at a table in scratch RAM.</summary>
    public ushort PostIndirect(params FakeBuffer[] buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ulong table = Allocate(buffers.Length * RingLayout.DescriptorSize);
        for (int i = 0; i < buffers.Length; i++)
        {
            bool last = i == buffers.Length - 1;
            ushort flags = (ushort)((buffers[i].Writable ? RingLayout.DescWrite : 0) | (last ? 0 : RingLayout.DescNext));
            WriteDescriptorAt(table + (ulong)(i * RingLayout.DescriptorSize), buffers[i].Address, buffers[i].Length, flags, last ? (ushort)0 : (ushort)(i + 1));
        }
        ushort head = TakeDescriptor();
        WriteDescriptor(head, table, (uint)(buffers.Length * RingLayout.DescriptorSize), RingLayout.DescIndirect, 0);
        _chains[head] = buffers;
        Publish(head);
        return head;
    }

    /// <summary>Writes descriptor <paramref name="index"/> of the table as given (for broken chains too).</summary>
    public void WriteDescriptor(int index, ulong address, uint length, ushort flags, ushort next) =>
        WriteDescriptorAt(Layout.Descriptor(index), address, length, flags, next);

    public void WriteDescriptorAt(ulong at, ulong address, uint length, ushort flags, ushort next)
    {
        _memory.WriteU64(at, address);
        _memory.WriteU32(at + 8, length);
        _memory.WriteU16(at + 12, flags);
        _memory.WriteU16(at + 14, next);
    }

    /// <summary>Puts <paramref name="head"/> in the next available slot and publishes avail.idx (release).</summary>
    public void Publish(ushort head)
    {
        _memory.WriteU16(Layout.AvailRing(_availIdx % Layout.Size), head);
        _availIdx++;
        _memory.WriteU16Release(Layout.AvailIdx, _availIdx);
    }

    /// <summary>Writes avail.idx directly (e.g. further ahead than the ring allows).</summary>
    public void SetAvailIdx(ushort index)
    {
        _availIdx = index;
        _memory.WriteU16Release(Layout.AvailIdx, index);
    }

    public UsedElement ReadUsed(int slot)
    {
        ulong at = Layout.UsedRing(slot % Layout.Size);
        return new UsedElement(_memory.ReadU32(at), _memory.ReadU32(at + 4));
    }

    /// <summary>The used entries published since the last call.</summary>
    public IReadOnlyList<UsedElement> TakeUsed()
    {
        ushort used = UsedIdx;
        var result = new List<UsedElement>();
        for (; _usedSeen != used; _usedSeen++)
        {
            result.Add(ReadUsed(_usedSeen));
        }
        return result;
    }

    /// <summary>The bytes the device wrote into the chain a used entry returned.</summary>
    public byte[] ReadWritten(UsedElement used)
    {
        var result = new byte[used.Length];
        int at = 0;
        foreach (var b in _chains[(ushort)used.Id].Where(b => b.Writable))
        {
            int n = (int)Math.Min(b.Length, used.Length - (uint)at);
            _memory.Read(b.Address, result.AsSpan(at, n));
            at += n;
            if (at == result.Length)
            {
                break;
            }
        }
        return result;
    }

    public string ReadWrittenText(UsedElement used) => System.Text.Encoding.UTF8.GetString(ReadWritten(used));

    private ushort TakeDescriptor()
    {
        var index = (ushort)(_nextDescriptor % Layout.Size);
        _nextDescriptor++;
        return index;
    }
}
