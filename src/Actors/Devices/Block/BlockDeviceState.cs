using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Devices.Block;

/// <summary>
/// The block device's state kept across an actor restart (DESIGN §6): the virtio state (whose
/// queue remembers the requests taken and not completed), and the request ticket counter, so a
/// completion from a worker of an earlier incarnation is never mistaken for a current one.
/// </summary>
public sealed class BlockDeviceState
{
    public BlockDeviceState()
        : this(new VirtioDeviceState(BlockDevice.QueueCount))
    {
    }

    /// <param name="virtio">The virtio state the launcher made for the device (its fault plan and events set).</param>
    public BlockDeviceState(VirtioDeviceState virtio)
    {
        ArgumentNullException.ThrowIfNull(virtio);
        Virtio = virtio;
    }

    public VirtioDeviceState Virtio { get; }

    /// <summary>The last ticket handed to an I/O worker.</summary>
    internal long LastTicket { get; set; }

    /// <summary>Requests completed with status OK.</summary>
    public long CompletedOk { get; internal set; }

    /// <summary>Requests completed with IOERR (invalid requests and host I/O errors).</summary>
    public long CompletedIoError { get; internal set; }

    /// <summary>Requests completed with UNSUPP.</summary>
    public long CompletedUnsupported { get; internal set; }
}

/// <summary>How a block device is set up besides its disk.</summary>
/// <param name="Serial">What GET_ID returns (at most 20 bytes of it; shorter is NUL-padded).</param>
/// <param name="Workers">I/O workers: requests in flight on the host at once.</param>
/// <param name="IoDispatcher">Where the workers run: a dispatcher id; when the actor system has none by that
/// name, Akka's own <c>akka.actor.default-blocking-io-dispatcher</c>. Never the default dispatcher.</param>
public sealed record BlockDeviceOptions(string Serial = BlockDeviceOptions.DefaultSerial, int Workers = BlockDeviceOptions.DefaultWorkers, string IoDispatcher = BlockDeviceOptions.DefaultIoDispatcher)
{
    public const string DefaultSerial = "lguest-actors-blk";
    public const int DefaultWorkers = 4;
    public const string DefaultIoDispatcher = "device-io-dispatcher";
    public const string FallbackIoDispatcher = "akka.actor.default-blocking-io-dispatcher";

    public static BlockDeviceOptions Default { get; } = new();
}
