using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;

namespace LguestActors.Actors.Simulation.Digest;

/// <summary>
/// A running hash (SHA-256) over everything that happened in a simulated world: every message
/// delivered to an actor of the machine (virtual time, receiver path, message kind, the content
/// that matters — <see cref="MessageContent"/>) and every guest-visible event (an IRQ delivered at
/// an instruction count, console bytes, a disk write). Never hash codes, actor UIDs, thread ids or
/// wall time: two runs with the same seeds give the same digest on any machine.
/// </summary>
public sealed class RunDigest : IDisposable
{
    private const byte MessageTag = (byte)'M';
    private const byte EventTag = (byte)'E';

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly DigestWriter _writer;

    public RunDigest()
    {
        _writer = new DigestWriter(_hash);
    }

    /// <summary>Messages folded in.</summary>
    public long Messages { get; private set; }

    /// <summary>Guest-visible events folded in.</summary>
    public long Events { get; private set; }

    /// <summary>One message delivered to <paramref name="receiverPath"/> at virtual nanosecond <paramref name="now"/>.</summary>
    public void Message(long now, string receiverPath, object message)
    {
        Messages++;
        _writer.Byte(MessageTag);
        _writer.Long(now);
        _writer.String(receiverPath);
        MessageContent.Write(_writer, message);
    }

    /// <summary>A guest-visible event with two numbers.</summary>
    public void Event(long now, string kind, long first, long second)
    {
        Events++;
        _writer.Byte(EventTag);
        _writer.Long(now);
        _writer.String(kind);
        _writer.Long(first);
        _writer.Long(second);
    }

    /// <summary>A guest-visible event with bytes.</summary>
    public void Event(long now, string kind, long first, ReadOnlySpan<byte> bytes)
    {
        Events++;
        _writer.Byte(EventTag);
        _writer.Long(now);
        _writer.String(kind);
        _writer.Long(first);
        _writer.Bytes(bytes);
    }

    /// <summary>The digest so far: the first 8 bytes of the SHA-256, as 16 hex digits. The run goes on.</summary>
    public string Current()
    {
        _writer.Flush();
        Span<byte> full = stackalloc byte[32];
        _hash.GetCurrentHash(full);
        return Convert.ToHexStringLower(full[..8]);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Current()} ({Messages} messages, {Events} guest events)");

    public void Dispose() => _hash.Dispose();
}

/// <summary>Buffers what goes into the hash (many small pieces per message) and hands it on in blocks.</summary>
internal sealed class DigestWriter
{
    private readonly IncrementalHash _hash;
    private readonly byte[] _buffer = new byte[8192];
    private int _used;

    public DigestWriter(IncrementalHash hash)
    {
        _hash = hash;
    }

    public void Byte(byte b)
    {
        Room(1);
        _buffer[_used++] = b;
    }

    public void Long(long v)
    {
        Room(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_used), v);
        _used += 8;
    }

    public void Double(double v) => Long(BitConverter.DoubleToInt64Bits(v));

    public void String(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (max + 4 > _buffer.Length)
        {
            Bytes(Encoding.UTF8.GetBytes(s));
            return;
        }
        Room(max + 4);
        int n = Encoding.UTF8.GetBytes(s, _buffer.AsSpan(_used + 4));
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_used), n);
        _used += n + 4;
    }

    /// <summary>Length, then the bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        Room(4);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_used), bytes.Length);
        _used += 4;
        if (bytes.Length > _buffer.Length - _used)
        {
            Flush();
            _hash.AppendData(bytes);
            return;
        }
        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    /// <summary>An actor by its path without address or UID (a UID is random: it must never reach the hash).</summary>
    public void Actor(IActorRef actor) => String(actor.Path.ToStringWithoutAddress());

    public void Flush()
    {
        if (_used > 0)
        {
            _hash.AppendData(_buffer, 0, _used);
            _used = 0;
        }
    }

    private void Room(int bytes)
    {
        if (_used + bytes > _buffer.Length)
        {
            Flush();
        }
    }
}
