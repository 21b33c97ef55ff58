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

    /// <summary>Where a backlog drop is also counted (lguest.net.frames_dropped, reason backlog); set once the device's metrics exist.</summary>
    public Telemetry.DeviceMetrics? Metrics
    {
        get => Volatile.Read(ref _metrics);
        set => Volatile.Write(ref _metrics, value);
    }

    private Telemetry.DeviceMetrics? _metrics;

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
            Metrics?.FrameDropped("backlog");
            return false;
        }
        device.Tell(new NetFrameIn(frame), sender ?? ActorRefs.NoSender);
        return true;
    }

    /// <summary>
    /// Sends as many of <paramref name="frames"/> as the bound leaves room for, in order, as one
    /// <see cref="NetFramesIn"/> (or a <see cref="NetFrameIn"/> when only one goes); the rest are
    /// dropped and counted. Returns how many were sent.
    /// </summary>
    public int TryDeliverMany(IActorRef device, IReadOnlyList<byte[]> frames, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(frames);
        int wanted = frames.Count;
        if (wanted == 0)
        {
            return 0;
        }
        int after = Interlocked.Add(ref _queued, wanted);
        int over = Math.Min(wanted, Math.Max(0, after - Bound));
        if (over > 0)
        {
            Interlocked.Add(ref _queued, -over);
            Interlocked.Add(ref _dropped, over);
        }
        int sent = wanted - over;
        if (sent == 1)
        {
            device.Tell(new NetFrameIn(frames[0]), sender ?? ActorRefs.NoSender);
        }
        else if (sent > 1)
        {
            IReadOnlyList<byte[]> batch = over == 0 ? frames : frames.Take(sent).ToArray();
            device.Tell(new NetFramesIn(batch), sender ?? ActorRefs.NoSender);
        }
        return sent;
    }

    /// <summary>The device took one frame out of its mailbox.</summary>
    public void Taken() => Taken(1);

    /// <summary>The device took <paramref name="frames"/> frames out of its mailbox.</summary>
    public void Taken(int frames)
    {
        if (Interlocked.Add(ref _queued, -frames) < 0)
        {
            Interlocked.Exchange(ref _queued, 0); // a frame sent past the inbox (a test's Tell)
        }
    }
}
