using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Devices.Rng;

/// <summary>The entropy device's state kept across an actor restart: the virtio state and its counters.</summary>
public sealed class RngDeviceState
{
    public RngDeviceState()
        : this(new VirtioDeviceState(RngDevice.QueueCount))
    {
    }

    /// <param name="virtio">The virtio state the launcher made for the device (its fault plan and events set).</param>
    public RngDeviceState(VirtioDeviceState virtio)
    {
        ArgumentNullException.ThrowIfNull(virtio);
        Virtio = virtio;
    }

    public VirtioDeviceState Virtio { get; }

    /// <summary>Requests filled (each once, whatever the restarts).</summary>
    public long Requests { get; internal set; }

    /// <summary>Random bytes given to the guest.</summary>
    public long Bytes { get; internal set; }
}
