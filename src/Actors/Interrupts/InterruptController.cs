using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Protocol;

namespace LguestActors.Actors.Interrupts;

/// <summary>
/// lguest's interrupt bookkeeping (LHREQ_IRQ): <see cref="RaiseIrq"/> in, a bit in the shared
/// <see cref="PendingIrqs"/>, and a nudge to the vCPU so a halted guest wakes. Delivery itself
/// happens in the vCPU between slices, where the guest's irq_enabled/blocked rules apply.
/// </summary>
public sealed class InterruptController(PendingIrqs pending, IActorRef vcpu, Telemetry.VmMetrics? metrics = null) : UntypedActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(PendingIrqs pending, IActorRef vcpu, Telemetry.VmMetrics? metrics = null) =>
        ActorProps.Of(() => new InterruptController(pending, vcpu, metrics));

    // A switch, not ReceiveActor's Receive<T>: the published host interprets ReceiveActor's
    // expression-tree matcher on every message and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    protected override void OnReceive(object message)
    {
        if (message is RaiseIrq raise)
        {
            Raise(raise.Irq);
        }
        else
        {
            Unhandled(message);
        }
    }

    private void Raise(int irq)
    {
        metrics?.IrqRaised(irq);
        if ((uint)irq >= PendingIrqs.Count)
        {
            _log.Warning("ignoring RaiseIrq({0}): lguest has IRQs 0..{1}", irq, PendingIrqs.Count - 1);
            return;
        }
        // Only a newly pending IRQ needs a nudge: an IRQ already pending has one on its way
        // or is waiting for the guest to unblock or re-enable interrupts.
        if (pending.Set(irq))
        {
            vcpu.Tell(IrqPending.Instance);
        }
    }
}

/// <summary>Nudge from the interrupt controller to the vCPU: an IRQ became pending. Cached.</summary>
public sealed record IrqPending
{
    public static readonly IrqPending Instance = new();
}
