using Akka.Actor;

namespace LguestActors.Actors.Simulation.Engine;

// Virtual time's timers: what the virtual scheduler was asked to do later.
public sealed partial class SimulationEngine
{
    private readonly PriorityQueue<Timer, (long Due, long Sequence)> _timers = new();
    private long _timerSequence;

    /// <summary>Timers set and not yet fired (cancelled ones included until their time comes).</summary>
    public int PendingTimers => _timers.Count;

    /// <summary>When the next timer is due (virtual ns), or null.</summary>
    public long? NextTimer => _timers.TryPeek(out _, out var at) ? at.Due : null;

    /// <summary>
    /// Runs <paramref name="fire"/> at virtual time now + <paramref name="delay"/> (then every
    /// <paramref name="interval"/> if that is positive) unless <paramref name="cancelable"/> was
    /// cancelled. Timers due at the same instant fire in the order they were set.
    /// </summary>
    internal void AddTimer(TimeSpan delay, TimeSpan interval, Action fire, ICancelable? cancelable)
    {
        CheckThread("a timer was set");
        long due = _now + Math.Max(0, delay.Ticks) * 100;
        _timers.Enqueue(new Timer(fire, interval.Ticks * 100, cancelable), (due, ++_timerSequence));
    }

    private void FireDueTimers()
    {
        while (_timers.TryPeek(out var timer, out var at) && at.Due <= _now)
        {
            _timers.Dequeue();
            if (timer.Cancelable?.IsCancellationRequested ?? false)
            {
                continue;
            }
            if (timer.IntervalNanoseconds > 0)
            {
                _timers.Enqueue(timer, (at.Due + timer.IntervalNanoseconds, ++_timerSequence));
            }
            timer.Fire();
        }
    }

    /// <summary>Nothing is ready: the clock jumps to the next live timer. False when there is none.</summary>
    private bool JumpToNextTimer()
    {
        while (_timers.TryPeek(out var timer, out var at))
        {
            if (timer.Cancelable?.IsCancellationRequested ?? false)
            {
                _timers.Dequeue();
                continue;
            }
            _now = Math.Max(_now, at.Due);
            return true;
        }
        return false;
    }

    private sealed record Timer(Action Fire, long IntervalNanoseconds, ICancelable? Cancelable);
}
