using Akka.Actor;

namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// Bounds the frames waiting in a NetDevice's mailbox, so a sender faster than the guest never
/// grows host memory without bound and never blocks: past the bound a frame is dropped and
/// counted where it would have been sent. Shared by the device (which takes) and whoever delivers
/// (the switch, a TAP reader thread); thread-safe.
/// </summary>
public sealed class NetInbox
{
    public const int DefaultBound = 1024;

    private int _queued;
    private long _dropped;

    public NetInbox(int bound = DefaultBound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        Bound = bound;
    }

    public int Bound { get; }

    /// <summary>Frames dropped because the device had <see cref="Bound"/> frames waiting.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Sends <paramref name="frame"/> to <paramref name="device"/> unless it is full; false when dropped.</summary>
    public bool TryDeliver(IActorRef device, byte[] frame, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (Interlocked.Increment(ref _queued) > Bound)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return false;
        }
        device.Tell(new NetFrameIn(frame), sender ?? ActorRefs.NoSender);
        return true;
    }

    /// <summary>The device took one frame out of its mailbox.</summary>
    public void Taken()
    {
        if (Interlocked.Decrement(ref _queued) < 0)
        {
            Interlocked.Exchange(ref _queued, 0); // a frame sent past the inbox (a test's Tell)
        }
    }
}
