namespace LguestActors.Actors.Faults;

/// <summary>How many faults of each kind were injected in one VM. Thread-safe; read at any time.</summary>
public sealed class FaultCounters
{
    private long _crashes;
    private long _kills;
    private long _kicksDropped;
    private long _kicksDelayed;
    private long _kicksDuplicated;
    private long _irqsDropped;
    private long _irqsDelayed;
    private long _irqsDuplicated;
    private long _ioErrors;
    private long _noSpace;
    private long _slowIo;
    private long _corruptions;
    private long _taken;
    private long _published;
    private readonly List<DateTimeOffset> _instants = [];
    private readonly TimeProvider _clock;
    private string _vm = "";

    /// <param name="clock">Stamps each failure: the wall clock, or a simulated world's virtual clock.</param>
    public FaultCounters(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Chains the faulted devices took from their available rings (each once, restarts or not).</summary>
    public long RequestsTaken => Interlocked.Read(ref _taken);

    /// <summary>Used entries the faulted devices published. After a clean guest shutdown it equals <see cref="RequestsTaken"/>: nothing lost, nothing returned twice.</summary>
    public long RequestsPublished => Interlocked.Read(ref _published);

    public long Crashes => Interlocked.Read(ref _crashes);
    public long Kills => Interlocked.Read(ref _kills);
    public long KicksDropped => Interlocked.Read(ref _kicksDropped);
    public long KicksDelayed => Interlocked.Read(ref _kicksDelayed);
    public long KicksDuplicated => Interlocked.Read(ref _kicksDuplicated);
    public long IrqsDropped => Interlocked.Read(ref _irqsDropped);
    public long IrqsDelayed => Interlocked.Read(ref _irqsDelayed);
    public long IrqsDuplicated => Interlocked.Read(ref _irqsDuplicated);
    public long IoErrors => Interlocked.Read(ref _ioErrors);
    public long NoSpace => Interlocked.Read(ref _noSpace);
    public long SlowIo => Interlocked.Read(ref _slowIo);
    public long Corruptions => Interlocked.Read(ref _corruptions);

    /// <summary>The VM the faults go into (the <c>vm</c> tag of lguest.faults.injected); the launcher sets it at boot.</summary>
    public string Vm
    {
        get => Volatile.Read(ref _vm);
        set => Volatile.Write(ref _vm, value ?? "");
    }

    /// <summary>Device crashes and kills: each one is a supervisor restart.</summary>
    public long DeviceFailures => Crashes + Kills;

    /// <summary>When each crash or kill was injected (for the experiment's plots).</summary>
    public IReadOnlyList<DateTimeOffset> FailureInstants
    {
        get
        {
            lock (_instants)
            {
                return _instants.ToArray();
            }
        }
    }

    internal void Crash() => Failure(ref _crashes, "crash");

    internal void Kill() => Failure(ref _kills, "kill");

    internal void Link(bool kick, LinkAction action)
    {
        switch (action)
        {
            case LinkAction.Drop: Interlocked.Increment(ref kick ? ref _kicksDropped : ref _irqsDropped); Record(kick ? "kick_drop" : "irq_drop"); break;
            case LinkAction.Delay: Interlocked.Increment(ref kick ? ref _kicksDelayed : ref _irqsDelayed); Record(kick ? "kick_delay" : "irq_delay"); break;
            case LinkAction.Duplicate: Interlocked.Increment(ref kick ? ref _kicksDuplicated : ref _irqsDuplicated); Record(kick ? "kick_duplicate" : "irq_duplicate"); break;
            default: break;
        }
    }

    internal void Backend(BackendFault fault)
    {
        switch (fault)
        {
            case BackendFault.IoError: Interlocked.Increment(ref _ioErrors); Record("io_error"); break;
            case BackendFault.NoSpace: Interlocked.Increment(ref _noSpace); Record("no_space"); break;
            case BackendFault.Slow: Interlocked.Increment(ref _slowIo); Record("slow_io"); break;
            default: break;
        }
    }

    internal void Taken() => Interlocked.Increment(ref _taken);

    internal void Published() => Interlocked.Increment(ref _published);

    internal void Corruption()
    {
        Interlocked.Increment(ref _corruptions);
        Record("corrupt_descriptor");
    }

    /// <summary>The same count on the meter (write-only: nothing reads it back into a decision).</summary>
    private void Record(string kind) =>
        Telemetry.LguestTelemetry.FaultsInjected.Add(1, new KeyValuePair<string, object?>("vm", Vm), new KeyValuePair<string, object?>("kind", kind));

    private void Failure(ref long counter, string kind)
    {
        Interlocked.Increment(ref counter);
        Record(kind);
        lock (_instants)
        {
            _instants.Add(_clock.GetUtcNow());
        }
    }
}
