using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Protocol;

namespace LguestActors.Actors.Interrupts;

/// <summary>
/// lguest's interrupt bookkeeping (LHREQ_IRQ): <see cref="RaiseIrq"/> in, a bit in the shared
/// <see cref="PendingIrqs"/>, and a nudge to the vCPU so a halted guest wakes. Delivery itself
/// happens in the vCPU between slices, where the guest's irq_enabled/blocked rules apply.
/// </summary>
public sealed class InterruptController : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public InterruptController(PendingIrqs pending, IActorRef vcpu, Telemetry.VmMetrics? metrics = null)
    {
        Receive<RaiseIrq>(raise =>
        {
            metrics?.IrqRaised(raise.Irq);
            if ((uint)raise.Irq >= PendingIrqs.Count)
            {
                _log.Warning("ignoring RaiseIrq({0}): lguest has IRQs 0..{1}", raise.Irq, PendingIrqs.Count - 1);
                return;
            }
            // Only a newly pending IRQ needs a nudge: an IRQ already pending has one on its way
            // or is waiting for the guest to unblock or re-enable interrupts.
            if (pending.Set(raise.Irq))
            {
                vcpu.Tell(IrqPending.Instance);
            }
        });
    }

    public static Props Props(PendingIrqs pending, IActorRef vcpu, Telemetry.VmMetrics? metrics = null) =>
        ActorProps.Of(() => new InterruptController(pending, vcpu, metrics));
}

/// <summary>Nudge from the interrupt controller to the vCPU: an IRQ became pending. Cached.</summary>
public sealed record IrqPending
{
    public static readonly IrqPending Instance = new();
}
