using Akka.Actor;
using LguestActors.Actors.Faults;

namespace LguestActors.Actors.Supervision;

/// <summary>
/// One-for-one, restart (DESIGN §6): a device that throws or is killed is restarted with its
/// queue state kept outside the actor. A device that exhausts its <see cref="RestartBudget"/> is
/// stopped and reported through <c>gaveUp</c> so the launcher can fail it to the guest. Injected
/// crashes are expected and are not logged as errors.
/// </summary>
public sealed class DeviceSupervisorStrategy : OneForOneStrategy
{
    private readonly Func<IActorRef, RestartBudget?> _budgetOf;
    private readonly Action<IActorRef, Exception> _gaveUp;
    private readonly TimeProvider _clock;

    /// <param name="budgetOf">The restart budget of a child (null: restart without limit).</param>
    /// <param name="gaveUp">Called for a child stopped because it spent its budget.</param>
    /// <param name="clock">The actor system's clock (virtual in a simulated world), which the budget's window is measured on.</param>
    public DeviceSupervisorStrategy(Func<IActorRef, RestartBudget?> budgetOf, Action<IActorRef, Exception> gaveUp, TimeProvider? clock = null)
        : base(-1, -1, ex => Directive.Restart, loggingEnabled: true)
    {
        _budgetOf = budgetOf;
        _gaveUp = gaveUp;
        _clock = clock ?? TimeProvider.System;
    }

    protected override Directive Handle(IActorRef child, Exception exception)
    {
        if (exception is ActorInitializationException)
        {
            return Directive.Stop;
        }
        var budget = _budgetOf(child);
        if (budget is null || budget.TryRestart(_clock.GetUtcNow().UtcDateTime))
        {
            return Directive.Restart;
        }
        _gaveUp(child, exception);
        return Directive.Stop;
    }

    protected override void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive)
    {
        if (cause is InjectedFaultException || (cause is ActorKilledException && directive == Directive.Restart))
        {
            return; // wanted: an experiment or the watchdog asked for it
        }
        base.LogFailure(context, child, cause, directive);
    }
}
