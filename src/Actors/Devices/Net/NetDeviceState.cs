using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Devices.Net;

/// <summary>The net device's state kept across an actor restart: the virtio state, the inbox and the counters.</summary>
public sealed class NetDeviceState
{
    public NetDeviceState(int inboxBound = NetInbox.DefaultBound)
        : this(new VirtioDeviceState(NetDevice.QueueCount), inboxBound)
    {
    }

    /// <param name="virtio">The virtio state the launcher made for the device (its fault plan and events set).</param>
    /// <param name="inboxBound">Frames that may wait for the device at most.</param>
    public NetDeviceState(VirtioDeviceState virtio, int inboxBound = NetInbox.DefaultBound)
    {
        ArgumentNullException.ThrowIfNull(virtio);
        Virtio = virtio;
        Inbox = new NetInbox(inboxBound);
    }

    public VirtioDeviceState Virtio { get; }

    /// <summary>Bounds the frames waiting for this device; shared with its backend.</summary>
    public NetInbox Inbox { get; }

    public long TxFrames { get; internal set; }

    public long TxBytes { get; internal set; }

    /// <summary>Frames the guest sent that were not Ethernet-sized (shorter than a header or over 1518 bytes).</summary>
    public long TxDropped { get; internal set; }

    public long RxFrames { get; internal set; }

    public long RxBytes { get; internal set; }

    /// <summary>Frames that arrived while the guest had no receive buffer posted (or the device was not running).</summary>
    public long RxDroppedNoBuffer { get; internal set; }

    /// <summary>Frames larger than the receive buffer the guest posted, or than any Ethernet frame.</summary>
    public long RxDroppedOversize { get; internal set; }

    internal bool BackendStarted { get; set; }
}
