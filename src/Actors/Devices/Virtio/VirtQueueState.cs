using LguestActors.Actors.Faults;

namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// The host's side of one virtqueue that must survive a device-actor restart (DESIGN §6): the
/// last available index taken, the used index published, and the heads taken but not yet
/// completed. The supervisor owns it; the actor only borrows it. Touched by one actor at a time.
/// </summary>
public sealed class VirtQueueState
{
    /// <summary>Head → the order it was taken in, so a restart finishes chains in the guest's order.</summary>
    private readonly Dictionary<ushort, long> _inFlight = [];
    private long _taken;
    private readonly Dictionary<ushort, uint> _applied = [];
    private long _progress;
    private int _inFlightCount;

    /// <summary>The next available-ring index to take (the guest's avail.idx when caught up).</summary>
    public ushort LastAvailIdx { get; internal set; }

    /// <summary>The next used-ring index to publish.</summary>
    public ushort UsedIdx { get; internal set; }

    /// <summary>used.idx when the guest was last interrupted (for the event-index rule).</summary>
    public ushort SignalledUsedIdx { get; internal set; }

    /// <summary>Chains taken from the ring and not yet returned to the guest.</summary>
    public IReadOnlyCollection<ushort> InFlight => _inFlight.Keys;

    /// <summary>The in-flight heads in the order they were taken from the available ring.</summary>
    public IEnumerable<ushort> InFlightInTakeOrder => _inFlight.OrderBy(p => p.Value).Select(p => p.Key);

    /// <summary>
    /// Grows each time a chain is taken or returned. The watchdog reads it from another thread to
    /// tell a device that works from one that sits on pending requests.
    /// </summary>
    public long Progress => Volatile.Read(ref _progress);

    /// <summary><see cref="InFlight"/>'s count, readable from another thread (the watchdog).</summary>
    public int InFlightCount => Volatile.Read(ref _inFlightCount);

    /// <summary>The device's fault plan; consulted by the queue engine at take and publish.</summary>
    public DeviceFaults Faults { get; internal set; } = DeviceFaults.None;

    /// <summary>Where the queue engine reports a request's take and completion (the device's hook points).</summary>
    public IDeviceEvents Events { get; internal set; } = NoDeviceEvents.Instance;

    /// <summary>
    /// The chain's side effect (output written, frame sent, data placed in guest memory) is done
    /// and must not be done again: a device restarted before the used entry was published only
    /// publishes it, with the recorded length. This is how a restart never repeats a side effect
    /// the guest asked for once (the rule per device is in docs/EXPERIMENTS.md).
    /// </summary>
    public void MarkApplied(ushort head, uint writtenLength) => _applied[head] = writtenLength;

    /// <summary>Whether the chain's side effect was already done, and the length it wrote.</summary>
    public bool TryGetApplied(ushort head, out uint writtenLength) => _applied.TryGetValue(head, out writtenLength);

    internal bool TakeHead(ushort head)
    {
        if (!_inFlight.TryAdd(head, _taken++))
        {
            return false;
        }
        Volatile.Write(ref _inFlightCount, _inFlight.Count);
        Interlocked.Increment(ref _progress);
        return true;
    }

    internal bool ReturnHead(ushort head)
    {
        if (!_inFlight.Remove(head))
        {
            return false;
        }
        _applied.Remove(head);
        Volatile.Write(ref _inFlightCount, _inFlight.Count);
        Interlocked.Increment(ref _progress);
        return true;
    }

    /// <summary>Forgets everything: the guest reset the device.</summary>
    public void Reset()
    {
        LastAvailIdx = 0;
        UsedIdx = 0;
        SignalledUsedIdx = 0;
        _inFlight.Clear();
        _applied.Clear();
        Volatile.Write(ref _inFlightCount, 0);
    }
}
