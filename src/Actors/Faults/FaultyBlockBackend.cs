using LguestActors.Actors.Devices.Block;

namespace LguestActors.Actors.Faults;

/// <summary>
/// A block backend that fails or slows requests as the fault plan says, in front of the real one:
/// EIO on any request, ENOSPC on writes (both reach the guest as VIRTIO_BLK_S_IOERR, DESIGN §6:
/// never a silent success), or extra latency (<see cref="BlockIoResult.Latency"/>: the completion
/// reaches the device later on the actor system's clock, virtual in a simulation). Called from the
/// I/O workers, concurrently; <see cref="DeviceFaults.NextBackendFault"/> is thread-safe.
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

    public BlockIoResult Read(long offset, Span<byte> destination)
    {
        var (failed, latency) = Before(false, $"read of {destination.Length} bytes at {offset}");
        return failed ?? Slowed(_inner.Read(offset, destination), latency);
    }

    public BlockIoResult Write(long offset, ReadOnlySpan<byte> source)
    {
        var (failed, latency) = Before(true, $"write of {source.Length} bytes at {offset}");
        return failed ?? Slowed(_inner.Write(offset, source), latency);
    }

    public BlockIoResult Flush()
    {
        var (failed, latency) = Before(false, "flush");
        return failed ?? Slowed(_inner.Flush(), latency);
    }

    public void Dispose() => _inner.Dispose();

    private static BlockIoResult Slowed(BlockIoResult result, TimeSpan latency) =>
        latency > TimeSpan.Zero ? result with { Latency = result.Latency + latency } : result;

    private (BlockIoResult? Failed, TimeSpan Latency) Before(bool isWrite, string what) =>
        _faults.NextBackendFault(isWrite) switch
        {
            BackendFault.IoError => (BlockIoResult.Failed($"injected EIO on {what}"), TimeSpan.Zero),
            BackendFault.NoSpace => (BlockIoResult.Failed($"injected ENOSPC on {what}"), TimeSpan.Zero),
            BackendFault.Slow => (null, _faults.Plan.SlowIoDelay),
            _ => (null, TimeSpan.Zero),
        };
}
