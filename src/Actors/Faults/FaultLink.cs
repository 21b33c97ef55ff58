using Akka.Actor;

namespace LguestActors.Actors.Faults;

/// <summary>
/// A faulty wire between two actors: what is sent to it reaches <c>target</c> — or is dropped,
/// delayed, duplicated, as the plan decides. The launcher puts one between the vCPU and each device
/// (kicks; it may also Kill the device just before a kick) and one between the devices and /irq
/// (RaiseIrq). Senders are preserved.
/// </summary>
public sealed class FaultLink(IActorRef target, LinkFaults faults, double killProbability, bool isKickLink, FaultCounters counters, Random random)
    : UntypedActor
{
    /// <summary>A device's kick link is named after it: "blk0" + this.</summary>
    public const string KickSuffix = "-kick-link";

    // Every message goes on (ReceiveAny's "all of them", without ReceiveActor's expression-tree
    // matcher, which the published host interprets: docs/PERFORMANCE.md, start-up).
    protected override void OnReceive(object message)
    {
        if (killProbability > 0 && random.NextDouble() < killProbability)
        {
            counters.Kill();
            target.Tell(Kill.Instance, Self);
        }
        var action = faults.Decide(random);
        counters.Link(isKickLink, action);
        switch (action)
        {
            case LinkAction.Drop:
                break;
            case LinkAction.Delay:
                Context.System.Scheduler.ScheduleTellOnce(faults.DelayBy, target, message, Sender);
                break;
            case LinkAction.Duplicate:
                target.Tell(message, Sender);
                target.Tell(message, Sender);
                break;
            default:
                target.Tell(message, Sender);
                break;
        }
    }

    /// <summary>The kick link for one device: Kill and kick faults of the plan.</summary>
    public static Props ForKicks(IActorRef device, string deviceName, FaultInjector injector)
    {
        ArgumentNullException.ThrowIfNull(injector);
        var plan = injector.Plan;
        bool applies = plan.AppliesTo(deviceName);
        var random = injector.RandomFor("kicks:" + deviceName);
        return ActorProps.Of(() => new FaultLink(device, applies ? plan.Kicks : LinkFaults.None, applies ? plan.KillProbability : 0, true, injector.Counters, random));
    }

    /// <summary>The IRQ link for one device: IRQ faults of the plan, towards /irq.</summary>
    public static Props ForIrqs(IActorRef interrupts, string deviceName, FaultInjector injector)
    {
        ArgumentNullException.ThrowIfNull(injector);
        var plan = injector.Plan;
        var random = injector.RandomFor("irqs:" + deviceName);
        return ActorProps.Of(() => new FaultLink(interrupts, plan.AppliesTo(deviceName) ? plan.Irqs : LinkFaults.None, 0, false, injector.Counters, random));
    }

    /// <summary>Whether a device needs links at all under this plan (plain refs otherwise: no extra hop).</summary>
    public static bool Needed(FaultInjector injector, string deviceName) =>
        injector is not null && injector.Plan.AppliesTo(deviceName) && (injector.Plan.Kicks.IsActive || injector.Plan.Irqs.IsActive || injector.Plan.KillProbability > 0);
}
