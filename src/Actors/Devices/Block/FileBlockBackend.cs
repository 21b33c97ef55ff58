using Microsoft.Win32.SafeHandles;

namespace LguestActors.Actors.Devices.Block;

/// <summary>
/// A disk backed by a host file, read and written with positional I/O (pread/pwrite through
/// <see cref="RandomAccess"/>, safe for concurrent calls); FLUSH is <c>fsync</c> of the file.
/// </summary>
public sealed class FileBlockBackend : IBlockBackend
{
    private readonly SafeFileHandle _handle;
    private readonly FileStream _flushStream;

    private FileBlockBackend(string path, SafeFileHandle handle, long length, bool readOnly)
    {
        Path = path;
        _handle = handle;
        Length = length;
        ReadOnly = readOnly;
        // FileStream.Flush(flushToDisk: true) is .NET's portable fsync; the stream is only used for that.
        _flushStream = new FileStream(handle, readOnly ? FileAccess.Read : FileAccess.ReadWrite, bufferSize: 0);
    }

    public string Path { get; }

    public long Length { get; }

    public bool ReadOnly { get; }

    /// <summary>
    /// Opens <paramref name="path"/> as a disk. Read-write unless <paramref name="readOnly"/>.
    /// </summary>
    /// <exception cref="BlockBackendException">the file is missing, cannot be opened, or its size is not a whole number of sectors; the message is one line for a person.</exception>
    public static FileBlockBackend Open(string path, bool readOnly)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new BlockBackendException($"block device '{path}' is a directory, not a file");
        }
        if (!File.Exists(path))
        {
            throw new BlockBackendException($"block device '{path}' not found");
        }
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite, FileShare.Read);
        }
        catch (UnauthorizedAccessException) when (!readOnly)
        {
            // A file we may read but not write is a read-only disk, as lguest's launcher made it.
            return Open(path, readOnly: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new BlockBackendException($"cannot open block device '{path}': {e.Message}", e);
        }
        long length;
        try
        {
            length = RandomAccess.GetLength(handle);
        }
        catch (IOException e)
        {
            handle.Dispose();
            throw new BlockBackendException($"cannot read the size of block device '{path}': {e.Message}", e);
        }
        if (length % BlockConfig.SectorSize != 0)
        {
            handle.Dispose();
            throw new BlockBackendException($"block device '{path}' is {length} bytes, not a whole number of {BlockConfig.SectorSize}-byte sectors");
        }
        return new FileBlockBackend(path, handle, length, readOnly);
    }

    public BlockIoResult Read(long offset, Span<byte> destination)
    {
        try
        {
            int done = 0;
            while (done < destination.Length)
            {
                int n = RandomAccess.Read(_handle, destination[done..], offset + done);
                if (n == 0)
                {
                    return BlockIoResult.Failed($"short read of {Path} at {offset + done}: end of file");
                }
                done += n;
            }
            return BlockIoResult.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return BlockIoResult.Failed($"read of {Path} at {offset}+{destination.Length}: {e.Message}");
        }
    }

    public BlockIoResult Write(long offset, ReadOnlySpan<byte> source)
    {
        if (ReadOnly)
        {
            return BlockIoResult.Failed($"{Path} is read-only");
        }
        try
        {
            RandomAccess.Write(_handle, source, offset); // writes all of it, or throws (e.g. disk full)
            return BlockIoResult.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return BlockIoResult.Failed($"write of {Path} at {offset}+{source.Length}: {e.Message}");
        }
    }

    public BlockIoResult Flush()
    {
        if (ReadOnly)
        {
            return BlockIoResult.Ok; // nothing was written
        }
        try
        {
            _flushStream.Flush(flushToDisk: true);
            return BlockIoResult.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return BlockIoResult.Failed($"flush of {Path}: {e.Message}");
        }
    }

    public void Dispose()
    {
        _flushStream.Dispose();
        _handle.Dispose();
    }
}

/// <summary>A block backend could not be opened; the message is one line for a person.</summary>
public sealed class BlockBackendException : Exception
{
    public BlockBackendException(string message) : base(message)
    {
    }

    public BlockBackendException()
    {
    }

    public BlockBackendException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
