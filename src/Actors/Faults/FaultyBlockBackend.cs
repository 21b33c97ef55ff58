using LguestActors.Actors.Devices.Block;

namespace LguestActors.Actors.Faults;

/// <summary>
/// A block backend that fails or slows requests as the fault plan says, in front of the real one:
/// EIO on any request, ENOSPC on writes (both reach the guest as VIRTIO_BLK_S_IOERR, DESIGN §6:
/// never a silent success), or a delay before the request. Called from the I/O workers,
/// concurrently; <see cref="DeviceFaults.NextBackendFault"/> is thread-safe.
/// </summary>
public sealed class FaultyBlockBackend : IBlockBackend
{
    private readonly IBlockBackend _inner;
    private readonly DeviceFaults _faults;

    public FaultyBlockBackend(IBlockBackend inner, DeviceFaults faults)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(faults);
        _inner = inner;
        _faults = faults;
    }

    /// <summary>The backend itself when the plan has no backend faults for it; wrapped otherwise.</summary>
    public static IBlockBackend Wrap(IBlockBackend backend, DeviceFaults faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var plan = faults.Plan;
        return faults.IsActive && (plan.BackendIoError > 0 || plan.BackendNoSpace > 0 || plan.SlowIo > 0)
            ? new FaultyBlockBackend(backend, faults)
            : backend;
    }

    public long Length => _inner.Length;

    public bool ReadOnly => _inner.ReadOnly;

    public BlockIoResult Read(long offset, Span<byte> destination) =>
        Before(false, $"read of {destination.Length} bytes at {offset}") ?? _inner.Read(offset, destination);

    public BlockIoResult Write(long offset, ReadOnlySpan<byte> source) =>
        Before(true, $"write of {source.Length} bytes at {offset}") ?? _inner.Write(offset, source);

    public BlockIoResult Flush() => Before(false, "flush") ?? _inner.Flush();

    public void Dispose() => _inner.Dispose();

    private BlockIoResult? Before(bool isWrite, string what)
    {
        switch (_faults.NextBackendFault(isWrite))
        {
            case BackendFault.IoError:
                return BlockIoResult.Failed($"injected EIO on {what}");
            case BackendFault.NoSpace:
                return BlockIoResult.Failed($"injected ENOSPC on {what}");
            case BackendFault.Slow:
                Thread.Sleep(_faults.Plan.SlowIoDelay);
                return null;
            default:
                return null;
        }
    }
}
