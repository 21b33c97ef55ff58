using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace LguestActors.Actors.Simulation.Engine;

/// <summary>
/// The mailbox of every actor of a simulated world (<c>akka.actor.default-mailbox</c> there). Its
/// queue is where the engine reaches into Akka: it hands out at most one message per step, only on
/// the simulation thread (the guard), and folds each message it delivers to a machine actor (under
/// /user) into the run digest.
/// </summary>
public sealed class SimulationMailbox : MailboxType, IProducesMessageQueue<SimulationMessageQueue>
{
    public SimulationMailbox(Settings settings, Config config)
        : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        if (system.Scheduler is not VirtualScheduler scheduler)
        {
            throw new ConfigurationException($"the simulation mailbox needs the virtual scheduler (docs/DETERMINISM.md), not {system.Scheduler.GetType().Name}");
        }
        return new SimulationMessageQueue(scheduler.Engine, owner);
    }
}

/// <summary>One actor's queue in a simulated world (see <see cref="SimulationMailbox"/>).</summary>
public sealed class SimulationMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private readonly ConcurrentQueue<Envelope> _queue = new();
    private readonly SimulationEngine _engine;
    private readonly string _path;
    private readonly bool _digested;

    internal SimulationMessageQueue(SimulationEngine engine, IActorRef? owner)
    {
        _engine = engine;
        _path = owner?.Path.ToStringWithoutAddress() ?? "(no owner)";
        // The machine is under /user; /system holds Akka's own helpers, some named by process-wide counters.
        _digested = _path.StartsWith("/user/", StringComparison.Ordinal);
        Key = engine.NewKey();
    }

    /// <summary>The order the engine keeps this mailbox in among the ready ones: its actor's creation order.</summary>
    internal long Key { get; }

    public bool HasMessages => !_queue.IsEmpty;

    public int Count => _queue.Count;

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        _engine.CheckSend(_path);
        _queue.Enqueue(envelope);
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (_queue.IsEmpty || !_engine.TryTakeDelivery(_path) || !_queue.TryDequeue(out envelope))
        {
            envelope = default;
            return false;
        }
        if (_digested)
        {
            _engine.Digest.Message(_engine.Now, _path, envelope.Message);
        }
        return true;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        ArgumentNullException.ThrowIfNull(deadletters);
        while (_queue.TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }
}
