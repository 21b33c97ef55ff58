using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// The lifecycle every virtio device shares, written once (DESIGN §1, §6): the guest's start
/// (feature negotiation, then building the queues), its reset, kicks (checked against the queues
/// that exist), the restart of an incarnation that must finish its predecessor's chains before it
/// takes new ones, the ring-rule guard that turns a guest's breach into FAILED instead of a crash,
/// and raising a queue's IRQ when the guest wants it. A device derives from it and supplies only
/// what is its own: serving a queue, finishing in-flight chains after a restart, and dropping its
/// local state on reset or failure. Every step reports to <see cref="VirtioDeviceState.Events"/>.
/// A device's own messages come through <see cref="OnDeviceMessage"/>, after the lifecycle's.
/// </summary>
public abstract class VirtioDevice : UntypedActor
{
    private readonly IVirtioTransport _transport;
    private readonly IActorRef _interrupts;
    private readonly byte[] _offeredFeatures;
    private readonly ChainDirection[] _directions;

    /// <summary>
    /// A restarted incarnation finishes its predecessor's chains before it takes new ones, whatever
    /// message comes first (kicks queued while it was down arrive before <see cref="FinishInFlight"/>):
    /// otherwise it would take a request twice, or complete a later one before an earlier one.
    /// </summary>
    private bool _mustFinishInFlight;

    /// <param name="logName">The device kind in log lines (console, net, block, rng).</param>
    /// <param name="offeredFeatures">The feature bytes the device offers; what the guest accepts of them is agreed at start.</param>
    /// <param name="directions">One per queue, in order: which way its buffers go.</param>
    protected VirtioDevice(string logName, GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, VirtioDeviceState state,
        byte[] offeredFeatures, params ChainDirection[] directions)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(directions);
        LogName = logName;
        Memory = memory;
        _transport = transport;
        _interrupts = interrupts;
        Virtio = state;
        _offeredFeatures = offeredFeatures;
        _directions = directions;
        if (state.Queues.Count != directions.Length)
        {
            throw new ArgumentException($"the {logName} device has {directions.Length} queues, its state {state.Queues.Count}", nameof(state));
        }
        if (state.Started && !state.Failed)
        {
            Queues = BuildQueues(); // a restart: carry on where the last incarnation stopped
            _mustFinishInFlight = true;
        }
    }

    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    protected string LogName { get; }

    protected GuestMemory Memory { get; }

    /// <summary>The state that outlives this actor: started, failed, features, each queue's progress.</summary>
    protected VirtioDeviceState Virtio { get; }

    /// <summary>The queues while the device runs; null before start, after reset, and once FAILED.</summary>
    protected IReadOnlyList<VirtQueue>? Queues { get; private set; }

    /// <summary>Started, not failed: the queues may be served.</summary>
    protected bool Running => Queues is not null && !Virtio.Failed;

    /// <summary>
    /// The lifecycle's messages, then the device's own. A switch and not ReceiveActor's
    /// <c>Receive&lt;T&gt;</c>: ReceiveActor matches through a matcher built from an expression tree,
    /// which the published host (no run-time code generation) loads System.Linq.Expressions and emits
    /// thunks for at start, and then runs in the LINQ interpreter for every message
    /// (docs/PERFORMANCE.md, start-up). The message types are sealed and distinct: order cannot matter.
    /// </summary>
    protected sealed override void OnReceive(object message)
    {
        switch (message)
        {
            case StartDevice start:
                OnStart(start);
                break;
            case ResetDevice:
                OnReset();
                break;
            case Kick kick:
                OnKick(kick);
                break;
            case FinishInFlight:
                FinishInFlightFirst();
                break;
            default:
                if (!OnDeviceMessage(message))
                {
                    Unhandled(message);
                }
                break;
        }
    }

    /// <summary>A message that is the device's own, not the lifecycle's: true when the device handled it (false: unhandled).</summary>
    protected virtual bool OnDeviceMessage(object message) => false;

    /// <summary>Serves <paramref name="queue"/> after a kick or new host data; runs under the ring-rule guard.</summary>
    protected abstract void ServeQueue(int queue, VirtQueue vq);

    /// <summary>
    /// After a restart: completes (or does, exactly once, with <see cref="VirtQueue.ApplyOnce"/>)
    /// every chain the last incarnation took and did not complete, then serves what is new.
    /// Runs under the ring-rule guard, before anything else this incarnation does.
    /// </summary>
    protected abstract void FinishInFlightChains(IReadOnlyList<VirtQueue> queues);

    /// <summary>The guest started the device: by default every queue is served, in order (it may have posted before it notified).</summary>
    protected virtual void OnStarted()
    {
        for (int q = 0; q < _directions.Length; q++)
        {
            Serve(q);
        }
    }

    /// <summary>The queues are gone (reset or FAILED): drop what the device holds of them.</summary>
    protected virtual void OnQueuesDropped()
    {
    }

    protected override void PreStart()
    {
        if (Queues is not null)
        {
            Self.Tell(FinishInFlight.Instance);
        }
    }

    protected override void PostRestart(Exception reason)
    {
        Virtio.Events.Restarted(reason);
        base.PostRestart(reason);
    }

    /// <summary>Serves a queue unless the device is not running or the queue does not exist; a restarted device finishes first.</summary>
    protected void Serve(int queue)
    {
        if (!Running)
        {
            return;
        }
        if ((uint)queue >= (uint)Queues!.Count)
        {
            Log.Warning("{0}: kick of queue {1}, which does not exist", LogName, queue);
            return;
        }
        if (FinishInFlightFirst())
        {
            return; // finishing serves every queue too
        }
        var vq = Queues[queue];
        Guarded(queue, () => ServeQueue(queue, vq));
    }

    /// <summary>Finishes the predecessor's chains if that is still to do; true when it did (the caller's work is covered).</summary>
    protected bool FinishInFlightFirst()
    {
        if (!_mustFinishInFlight)
        {
            return false;
        }
        _mustFinishInFlight = false;
        if (Running)
        {
            var queues = Queues!;
            Guarded(-1, () => FinishInFlightChains(queues));
        }
        return true;
    }

    /// <summary>Runs queue work; a guest that broke the ring rules fails the device instead of the actor.</summary>
    protected void Guarded(int queue, Action work)
    {
        if (!GuestRules.TryRun(work, out string? breach))
        {
            Fail(queue, breach);
        }
    }

    /// <summary>After completing chains: the queue's IRQ, if the guest wants one (event index or NO_INTERRUPT).</summary>
    protected void RaiseIfWanted(VirtQueue queue)
    {
        if (queue.ShouldInterrupt())
        {
            _interrupts.Tell(RaiseIrq.For(queue.Setup.Irq), Self);
            Virtio.Events.IrqRaised(queue.Setup.Index, queue.Setup.Irq);
        }
    }

    /// <summary>A guest bug: FAILED to the guest, one clear line in the log, nothing served until reset.</summary>
    protected void Fail(int queue, string reason)
    {
        Virtio.Failed = true;
        DropQueues();
        _transport.SignalFailed();
        Virtio.Events.Failed(queue, reason);
        string where = queue < 0 ? "finishing in-flight chains" : $"queue {queue}";
        Log.Error("{0}: {1} broke a virtqueue rule, device FAILED until the guest resets it: {2}", LogName, where, reason);
    }

    private void OnStart(StartDevice start)
    {
        switch (Virtio.Start(_offeredFeatures, start.AcceptedFeatures.Span))
        {
            case DeviceStart.AlreadyStarted:
                return;
            case DeviceStart.WaitsForReset:
                Log.Warning("{0}: start (status 0x{1:x2}) ignored: the device failed and waits for a reset", LogName, start.Status);
                return;
        }
        Queues = BuildQueues();
        OnStarted();
    }

    private void OnReset()
    {
        Virtio.Reset();
        DropQueues();
    }

    private void OnKick(Kick kick)
    {
        if (!Virtio.Started)
        {
            Log.Info("{0}: kick of queue {1} before the device started; ignored", LogName, kick.Queue);
            return;
        }
        Serve(kick.Queue);
    }

    private void DropQueues()
    {
        Queues = null;
        OnQueuesDropped();
    }

    private VirtQueue[] BuildQueues()
    {
        var setups = _transport.Queues;
        if (setups.Count != _directions.Length)
        {
            throw new InvalidOperationException($"the {LogName} device has {_directions.Length} queues, its transport gave {setups.Count}");
        }
        var queues = new VirtQueue[_directions.Length];
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i] = new VirtQueue(Memory, setups[i], _transport.RamSize, _directions[i], Virtio.Features, Virtio.Queues[i]);
        }
        return queues;
    }
}

/// <summary>A restarted device finishes the chains its previous incarnation had taken, first. Cached.</summary>
internal sealed record FinishInFlight
{
    public static readonly FinishInFlight Instance = new();
}
