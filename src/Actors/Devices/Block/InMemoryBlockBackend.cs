namespace LguestActors.Actors.Devices.Block;

/// <summary>
/// A disk in memory, for tests and experiments: it records what was flushed, and a test can make
/// any operation fail (a faulty disk) through <see cref="FailWhen"/>.
/// </summary>
public sealed class InMemoryBlockBackend : IBlockBackend
{
    private readonly object _lock = new();
    private readonly byte[] _bytes;
    private readonly byte[] _durable;

    public InMemoryBlockBackend(long length, bool readOnly = false)
    {
        if (length < 0 || length % BlockConfig.SectorSize != 0 || length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "a whole number of 512-byte sectors");
        }
        _bytes = new byte[length];
        _durable = new byte[length];
        ReadOnly = readOnly;
    }

    /// <summary>The operations a faulty disk sees.</summary>
    public enum Operation
    {
        Read,
        Write,
        Flush,
    }

    public long Length => _bytes.Length;

    public bool ReadOnly { get; }

    /// <summary>When it returns an error for (operation, offset, length), that operation fails with it and changes nothing.</summary>
    public Func<Operation, long, int, string?>? FailWhen { get; set; }

    /// <summary>Called as each operation starts (from an I/O worker thread): lets a test hold one back.</summary>
    public Action<Operation, long, int>? BeforeOperation { get; set; }

    public int Reads { get; private set; }

    public int Writes { get; private set; }

    public int Flushes { get; private set; }

    /// <summary>A copy of the disk as written so far.</summary>
    public byte[] Contents()
    {
        lock (_lock)
        {
            return (byte[])_bytes.Clone();
        }
    }

    /// <summary>A copy of the disk as it was at the last successful flush: what survives a power cut.</summary>
    public byte[] DurableContents()
    {
        lock (_lock)
        {
            return (byte[])_durable.Clone();
        }
    }

    /// <summary>Sets bytes directly (test setup), as if written and flushed.</summary>
    public void Load(long offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            data.CopyTo(_bytes.AsSpan((int)offset));
            data.CopyTo(_durable.AsSpan((int)offset));
        }
    }

    public BlockIoResult Read(long offset, Span<byte> destination)
    {
        BeforeOperation?.Invoke(Operation.Read, offset, destination.Length);
        lock (_lock)
        {
            Reads++;
            if (Fault(Operation.Read, offset, destination.Length) is { } error)
            {
                return BlockIoResult.Failed(error);
            }
            if (offset < 0 || offset + destination.Length > _bytes.Length)
            {
                return BlockIoResult.Failed($"read at {offset}+{destination.Length} is past the end of the disk");
            }
            _bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
            return BlockIoResult.Ok;
        }
    }

    public BlockIoResult Write(long offset, ReadOnlySpan<byte> source)
    {
        BeforeOperation?.Invoke(Operation.Write, offset, source.Length);
        lock (_lock)
        {
            Writes++;
            if (ReadOnly)
            {
                return BlockIoResult.Failed("the disk is read-only");
            }
            if (Fault(Operation.Write, offset, source.Length) is { } error)
            {
                return BlockIoResult.Failed(error);
            }
            if (offset < 0 || offset + source.Length > _bytes.Length)
            {
                return BlockIoResult.Failed($"write at {offset}+{source.Length} is past the end of the disk");
            }
            source.CopyTo(_bytes.AsSpan((int)offset));
            return BlockIoResult.Ok;
        }
    }

    public BlockIoResult Flush()
    {
        BeforeOperation?.Invoke(Operation.Flush, 0, 0);
        lock (_lock)
        {
            Flushes++;
            if (Fault(Operation.Flush, 0, 0) is { } error)
            {
                return BlockIoResult.Failed(error);
            }
            _bytes.CopyTo(_durable, 0);
            return BlockIoResult.Ok;
        }
    }

    public void Dispose()
    {
    }

    private string? Fault(Operation operation, long offset, int length) => FailWhen?.Invoke(operation, offset, length);
}
