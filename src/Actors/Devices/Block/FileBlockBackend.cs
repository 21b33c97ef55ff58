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
    /// Opens <paramref name="path"/> as a disk: read-write and locked exclusively, or with
    /// <paramref name="readOnly"/> locked shared (flock, advisory: what .NET's FileShare does on
    /// Unix). So two hosts, or one host twice, cannot write one image at once, nor one read an image
    /// another writes; read-only openers may share it. A file that cannot be opened for writing is
    /// refused, not quietly given read-only: the user asked for a writable disk (",ro" says otherwise).
    /// </summary>
    /// <exception cref="BlockBackendException">the file is missing, in use, cannot be opened, or its size is not a whole number of sectors; the message is one line for a person.</exception>
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
            handle = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite, readOnly ? FileShare.Read : FileShare.None);
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            throw new BlockBackendException(readOnly
                ? $"block device '{path}' is in use read-write (by another lguest-actors, or an earlier --block of this one); a read-only disk needs it unshared by writers"
                : $"block device '{path}' is in use (by another lguest-actors, or an earlier --block of this one); one writer at a time", e);
        }
        catch (Exception e) when (!readOnly && (e is UnauthorizedAccessException || (e is IOException io && IsReadOnlyFileSystem(io))))
        {
            throw new BlockBackendException($"block device '{path}' cannot be opened for writing ({FirstLine(e.Message)}); add ,ro to give it to the guest read-only", e);
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

    /// <summary>The lock .NET takes failed: EWOULDBLOCK (11) on Linux, ERROR_SHARING_VIOLATION (32) on Windows, in the HResult.</summary>
    private static bool IsSharingViolation(IOException e) => (e.HResult & 0xFFFF) is 11 or 32;

    /// <summary>EROFS (30) as .NET reports it.</summary>
    private static bool IsReadOnlyFileSystem(IOException e) =>
        e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) || (e.HResult & 0xFFFF) == 30;

    private static string FirstLine(string message) => message.Split('\n')[0].TrimEnd('.');

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
