using Akka.Actor;

namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// The net device's outside world (a port): a switch port, a TAP interface, or a probe in tests.
/// </summary>
public interface INetBackend
{
    /// <summary>
    /// Connects the device: from now on frames for it go to <paramref name="device"/> through
    /// <paramref name="inbox"/> (<see cref="NetInbox.TryDeliver"/>). Called once per device, not per actor restart.
    /// </summary>
    void Start(IActorRef device, MacAddress mac, NetInbox inbox);

    /// <summary>A frame the guest transmitted (Ethernet header onward). Must not block; the array is the backend's.</summary>
    void Send(IActorRef device, byte[] frame);

    /// <summary>Frames the guest transmitted in one go, in order; the same rules as <see cref="Send"/>. The list is the backend's.</summary>
    void SendMany(IActorRef device, IReadOnlyList<byte[]> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        foreach (var frame in frames)
        {
            Send(device, frame);
        }
    }

    /// <summary>The device stopped for good (the VM ended).</summary>
    void Stop(IActorRef device);
}
