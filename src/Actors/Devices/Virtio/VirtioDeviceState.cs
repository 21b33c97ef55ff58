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
