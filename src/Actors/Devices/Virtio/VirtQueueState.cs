namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// The host's side of one virtqueue that must survive a device-actor restart (DESIGN §6): the
/// last available index taken, the used index published, and the heads taken but not yet
/// completed. The supervisor owns it; the actor only borrows it. Touched by one actor at a time.
/// </summary>
public sealed class VirtQueueState
{
    private readonly HashSet<ushort> _inFlight = [];

    /// <summary>The next available-ring index to take (the guest's avail.idx when caught up).</summary>
    public ushort LastAvailIdx { get; internal set; }

    /// <summary>The next used-ring index to publish.</summary>
    public ushort UsedIdx { get; internal set; }

    /// <summary>used.idx when the guest was last interrupted (for the event-index rule).</summary>
    public ushort SignalledUsedIdx { get; internal set; }

    /// <summary>Chains taken from the ring and not yet returned to the guest.</summary>
    public IReadOnlyCollection<ushort> InFlight => _inFlight;

    internal bool TakeHead(ushort head) => _inFlight.Add(head);

    internal bool ReturnHead(ushort head) => _inFlight.Remove(head);

    /// <summary>Forgets everything: the guest reset the device.</summary>
    public void Reset()
    {
        LastAvailIdx = 0;
        UsedIdx = 0;
        SignalledUsedIdx = 0;
        _inFlight.Clear();
    }
}
