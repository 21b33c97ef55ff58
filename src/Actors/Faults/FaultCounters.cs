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

    internal void Crash() => Failure(ref _crashes);

    internal void Kill() => Failure(ref _kills);

    internal void Link(bool kick, LinkAction action)
    {
        switch (action)
        {
            case LinkAction.Drop: Interlocked.Increment(ref kick ? ref _kicksDropped : ref _irqsDropped); break;
            case LinkAction.Delay: Interlocked.Increment(ref kick ? ref _kicksDelayed : ref _irqsDelayed); break;
            case LinkAction.Duplicate: Interlocked.Increment(ref kick ? ref _kicksDuplicated : ref _irqsDuplicated); break;
            default: break;
        }
    }

    internal void Backend(BackendFault fault)
    {
        switch (fault)
        {
            case BackendFault.IoError: Interlocked.Increment(ref _ioErrors); break;
            case BackendFault.NoSpace: Interlocked.Increment(ref _noSpace); break;
            case BackendFault.Slow: Interlocked.Increment(ref _slowIo); break;
            default: break;
        }
    }

    internal void Taken() => Interlocked.Increment(ref _taken);

    internal void Published() => Interlocked.Increment(ref _published);

    internal void Corruption() => Interlocked.Increment(ref _corruptions);

    private void Failure(ref long counter)
    {
        Interlocked.Increment(ref counter);
        lock (_instants)
        {
            _instants.Add(_clock.GetUtcNow());
        }
    }
}
