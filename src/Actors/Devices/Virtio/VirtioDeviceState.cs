using LguestActors.Actors.Faults;

namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// What a virtio device must not forget when its actor restarts (DESIGN §6): whether the guest
/// started it, with which features, whether it failed, and each queue's progress. The launcher
/// creates it and passes it in the device's Props, so a restarted actor picks it up again.
/// </summary>
public sealed class VirtioDeviceState
{
    public VirtioDeviceState(int queueCount)
    {
        Queues = Enumerable.Range(0, queueCount).Select(_ => new VirtQueueState()).ToArray();
    }

    public IReadOnlyList<VirtQueueState> Queues { get; }

    /// <summary>The guest wrote a non-zero status and notified: the device serves its queues.</summary>
    public bool Started { get; set; }

    /// <summary>The guest broke a ring rule; nothing is served until it resets the device.</summary>
    public bool Failed { get; set; }

    public RingFeatures Features { get; set; }

    /// <summary>The fault plan for this device (None outside experiments); every queue consults it.</summary>
    public DeviceFaults Faults
    {
        get => _faults;
        set
        {
            _faults = value ?? DeviceFaults.None;
            foreach (var q in Queues)
            {
                q.Faults = _faults;
            }
        }
    }

    private DeviceFaults _faults = DeviceFaults.None;

    /// <summary>Where a device kind's own instruments go (frames, block operations), or null; the queues report through <see cref="Events"/>.</summary>
    public Telemetry.DeviceMetrics? Metrics { get; set; }

    /// <summary>Where this device's lifecycle and queues report what happens (<see cref="NoDeviceEvents"/> by default).</summary>
    public IDeviceEvents Events
    {
        get => _events;
        set
        {
            _events = value ?? NoDeviceEvents.Instance;
            foreach (var q in Queues)
            {
                q.Events = _events;
            }
        }
    }

    private IDeviceEvents _events = NoDeviceEvents.Instance;

    /// <summary>
    /// The guest's start (DESIGN §1): the ring features become those both offered and accepted.
    /// A repeated start is a no-op and a failed device waits for a reset; the caller builds its
    /// queues only on <see cref="DeviceStart.Started"/>.
    /// </summary>
    public DeviceStart Start(ReadOnlySpan<byte> offered, ReadOnlySpan<byte> accepted)
    {
        if (Started)
        {
            return DeviceStart.AlreadyStarted;
        }
        if (Failed)
        {
            return DeviceStart.WaitsForReset;
        }
        var agreed = new byte[offered.Length];
        for (int i = 0; i < agreed.Length && i < accepted.Length; i++)
        {
            agreed[i] = (byte)(offered[i] & accepted[i]);
        }
        Features = RingFeatures.FromAccepted(agreed);
        Started = true;
        return DeviceStart.Started;
    }

    /// <summary>The guest wrote status 0: forget the queues and wait for a new start.</summary>
    public void Reset()
    {
        Started = false;
        Failed = false;
        Features = default;
        foreach (var q in Queues)
        {
            q.Reset();
        }
    }
}

/// <summary>What <see cref="VirtioDeviceState.Start"/> did.</summary>
public enum DeviceStart
{
    Started,

    /// <summary>A guest that notifies after every status write: starting twice is a no-op.</summary>
    AlreadyStarted,

    /// <summary>The device failed; the start is ignored until the guest resets it.</summary>
    WaitsForReset,
}

/// <summary>Runs a device's queue work and turns a guest's ring-rule breach into a reason, not a crash.</summary>
public static class GuestRules
{
    /// <returns>False with the reason when the guest broke a virtqueue rule or pointed outside its memory.</returns>
    public static bool TryRun(Action work, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? breach)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            work();
            breach = null;
            return true;
        }
        catch (VirtQueueException e)
        {
            breach = e.Message;
        }
        catch (Cpu.Memory.GuestMemoryException e)
        {
            breach = e.Message;
        }
        return false;
    }
}
