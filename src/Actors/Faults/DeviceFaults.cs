using LguestActors.Actors.Devices.Virtio;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Faults;

/// <summary>
/// The fault plan as one device sees it, consulted at the injection points of its request path.
/// It lives in the device's restart-surviving state, so its random sequence and its "every N
/// requests" count carry on across restarts. Used by one actor at a time.
/// </summary>
public sealed class DeviceFaults
{
    private readonly FaultPlan _plan;
    private readonly FaultCounters _counters;
    private readonly Random _random;
    private int _takenSinceCrash;
    private FaultPoint _armed;
    private int _crashes;

    internal DeviceFaults(FaultPlan plan, FaultCounters counters, Random random)
    {
        _plan = plan;
        _counters = counters;
        _random = random;
    }

    /// <summary>No faults: every check is a field test.</summary>
    public static DeviceFaults None { get; } = new(FaultPlan.None, new FaultCounters(), new Random(0));

    public bool IsActive => !ReferenceEquals(this, None);

    public FaultPlan Plan => _plan;

    /// <summary>Throws <see cref="InjectedFaultException"/> if the plan wants a crash at <paramref name="point"/>.</summary>
    public void At(FaultPoint point)
    {
        if (!IsActive)
        {
            return;
        }
        if (point == FaultPoint.AfterTake && _plan.CrashEveryNRequests > 0 && ++_takenSinceCrash >= _plan.CrashEveryNRequests)
        {
            _takenSinceCrash = 0;
            _armed = PickPoint();
        }
        if ((_plan.CrashPoints & point) == 0 || (_plan.MaxCrashes >= 0 && _crashes >= _plan.MaxCrashes))
        {
            return;
        }
        bool crash = (_armed & point) != 0 || (_plan.CrashProbability > 0 && _random.NextDouble() < _plan.CrashProbability);
        if (!crash)
        {
            return;
        }
        _armed = FaultPoint.None;
        _crashes++;
        _counters.Crash();
        throw new InjectedFaultException($"injected crash at {point}");
    }

    /// <summary>Counts a chain taken from the available ring (the experiment's "nothing lost" check).</summary>
    public void CountTaken()
    {
        if (IsActive)
        {
            _counters.Taken();
        }
    }

    /// <summary>Counts a used entry published (the experiment's "nothing twice" check).</summary>
    public void CountPublished()
    {
        if (IsActive)
        {
            _counters.Published();
        }
    }

    /// <summary>What the block backend should do with the next request. Thread-safe: I/O workers call it concurrently.</summary>
    public BackendFault NextBackendFault(bool isWrite)
    {
        if (!IsActive)
        {
            return BackendFault.None;
        }
        lock (_random)
        {
            return NextBackendFaultLocked(isWrite);
        }
    }

    private BackendFault NextBackendFaultLocked(bool isWrite)
    {
        double r = _random.NextDouble();
        var fault = BackendFault.None;
        if (r < _plan.BackendIoError)
        {
            fault = BackendFault.IoError;
        }
        else if (isWrite && r < _plan.BackendIoError + _plan.BackendNoSpace)
        {
            fault = BackendFault.NoSpace;
        }
        else if (_plan.SlowIo > 0 && _random.NextDouble() < _plan.SlowIo)
        {
            fault = BackendFault.Slow;
        }
        _counters.Backend(fault);
        return fault;
    }

    /// <summary>
    /// Hostile guest: before the device reads the next available chain, maybe point its head
    /// descriptor outside guest RAM — the kind of ring a buggy or malicious guest writes.
    /// </summary>
    internal void MaybeCorrupt(GuestMemory memory, RingLayout layout, ushort lastAvailIdx, ulong ramSize)
    {
        if (!IsActive || _plan.CorruptDescriptor <= 0 || _random.NextDouble() >= _plan.CorruptDescriptor)
        {
            return;
        }
        ushort head = memory.ReadU16(layout.AvailRing(lastAvailIdx % layout.Size));
        if (head >= layout.Size)
        {
            return; // already broken
        }
        ulong at = layout.Descriptor(head);
        switch (_random.Next(3))
        {
            case 0: memory.WriteU64(at, ramSize + 4096); break;                  // address beyond RAM
            case 1: memory.WriteU32(at + 8, uint.MaxValue); break;               // length wraps
            default:                                                             // a loop onto itself
                memory.WriteU16(at + 12, (ushort)(memory.ReadU16(at + 12) | RingLayout.DescNext));
                memory.WriteU16(at + 14, head);
                break;
        }
        _counters.Corruption();
    }

    private FaultPoint PickPoint()
    {
        var enabled = Enum.GetValues<FaultPoint>().Where(p => p is not (FaultPoint.None or FaultPoint.All) && (_plan.CrashPoints & p) != 0).ToArray();
        return enabled.Length == 0 ? FaultPoint.None : enabled[_random.Next(enabled.Length)];
    }
}
