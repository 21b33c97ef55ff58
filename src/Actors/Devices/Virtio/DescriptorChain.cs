using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Virtio;

/// <summary>One buffer of a chain: guest-physical range already checked to lie inside guest RAM.</summary>
public readonly record struct ChainSegment(ulong Address, uint Length, bool Writable);

/// <summary>Which buffers a queue's chains must carry: the device says, the engine enforces.</summary>
public enum ChainDirection
{
    /// <summary>Only device-readable buffers (the guest sends: console transmitq).</summary>
    ReadOnly,

    /// <summary>Only device-writable buffers (the guest receives: console receiveq).</summary>
    WriteOnly,

    /// <summary>Readable buffers then writable ones (a request with a reply: block).</summary>
    ReadThenWrite,
}

/// <summary>
/// A validated descriptor chain taken from the available ring. Every segment lies inside guest
/// RAM and readable segments come before writable ones, so a device can use them directly.
/// </summary>
public sealed class DescriptorChain
{
    private readonly List<ChainSegment> _segments;

    internal DescriptorChain(ushort head, List<ChainSegment> segments)
    {
        Head = head;
        _segments = segments;
        foreach (var s in segments)
        {
            if (s.Writable)
            {
                WritableLength += s.Length;
            }
            else
            {
                ReadableLength += s.Length;
            }
        }
    }

    /// <summary>The head descriptor index: what goes into the used ring.</summary>
    public ushort Head { get; }

    public IReadOnlyList<ChainSegment> Segments => _segments;

    public long ReadableLength { get; }

    public long WritableLength { get; }

    /// <summary>Copies the readable bytes of the chain, in order.</summary>
    public byte[] ReadAll(GuestMemory memory)
    {
        var result = new byte[ReadableLength];
        int at = 0;
        foreach (var s in _segments)
        {
            if (!s.Writable)
            {
                memory.Read(s.Address, result.AsSpan(at, (int)s.Length));
                at += (int)s.Length;
            }
        }
        return result;
    }

    /// <summary>Scatters <paramref name="data"/> into the writable buffers; returns the bytes written.</summary>
    public int Write(GuestMemory memory, ReadOnlySpan<byte> data)
    {
        int written = 0;
        foreach (var s in _segments)
        {
            if (!s.Writable || written == data.Length)
            {
                continue;
            }
            int n = (int)Math.Min(s.Length, (uint)(data.Length - written));
            memory.Write(s.Address, data.Slice(written, n));
            written += n;
        }
        return written;
    }
}
