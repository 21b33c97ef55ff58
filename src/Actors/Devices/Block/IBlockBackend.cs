namespace LguestActors.Actors.Devices.Block;

/// <summary>
/// The outcome of one backend operation: success, or an error the guest sees as IOERR (the message
/// goes to the host's log). A port never throws for an I/O failure; it says so.
/// </summary>
public readonly record struct BlockIoResult(string? Error)
{
    public static readonly BlockIoResult Ok = new(null);

    public bool IsOk => Error is null;

    /// <summary>
    /// How much longer than instant the operation took (a slow disk, modelled latency): the device
    /// hears of its completion that much later, on the actor system's clock (virtual in a
    /// simulation), so no thread ever sleeps for it.
    /// </summary>
    public TimeSpan Latency { get; init; }

    public static BlockIoResult Failed(string error) => new(error);
}

/// <summary>
/// The block device's disk (a port): a host file, an in-memory disk in tests, or a faulty disk in
/// experiments. Called from the device's I/O workers, several at once: implementations must be
/// safe for concurrent calls on distinct or overlapping ranges. Offsets and lengths are already
/// checked against <see cref="Length"/> by the device.
/// </summary>
public interface IBlockBackend : IDisposable
{
    /// <summary>The disk's size in bytes: a whole number of 512-byte sectors.</summary>
    long Length { get; }

    /// <summary>Writes are refused (the device offers VIRTIO_BLK_F_RO and fails OUT requests with IOERR).</summary>
    bool ReadOnly { get; }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; a short read is an error.</summary>
    BlockIoResult Read(long offset, Span<byte> destination);

    /// <summary>Writes all of <paramref name="source"/> at <paramref name="offset"/> (durable only after <see cref="Flush"/>).</summary>
    BlockIoResult Write(long offset, ReadOnlySpan<byte> source);

    /// <summary>Makes every write that has returned so far durable (fdatasync level).</summary>
    BlockIoResult Flush();
}
