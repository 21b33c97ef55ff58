using Akka.Actor;
using LguestActors.Cpu.Lguest;

namespace LguestActors.Actors.Vcpu;

// Guest time (DESIGN §3): lguest_data.time and the one-shot clock event of SET_CLOCKEVENT.
public sealed partial class VcpuActor
{
    /// <summary>The clock's timestamp at which IRQ 0 is due; -1 when no clock event is armed.</summary>
    private long _clockDeadline = -1;

    /// <summary>The real-time wake-up for a halted guest (the TimeProvider's timer); null until first armed.</summary>
    private ITimer? _clockTimer;

    /// <summary>
    /// SET_CLOCKEVENT(delta ns): IRQ 0 that far ahead, as lguest's hrtimer did; 0 cancels it. The
    /// deadline is what counts: a running guest gets IRQ 0 at the first slice that starts at or
    /// after it (<see cref="FireClockEventIfDue"/>), so a busy guest's event is late by at most one
    /// slice; a halted guest is woken by a timer. In real time that timer is the TimeProvider's
    /// (the OS timer, sub-millisecond): Akka's scheduler would round every event up to its 10 ms
    /// tick, which made 1-10 ms requests fire every 20-40 ms and guest time run at half speed.
    /// In a simulated world the scheduler is virtual time itself and exact, so its timer is used.
    /// </summary>
    private void SetClockEvent(uint nanoseconds)
    {
        if (nanoseconds == 0)
        {
            _clockDeadline = -1;
            CancelClockTimer();
            return;
        }
        long ticks = (long)((double)nanoseconds * _clock.TimestampFrequency / 1e9);
        _clockDeadline = _clock.GetTimestamp() + Math.Max(1, ticks);
        ArmClockTimer(TimeSpan.FromTicks(Math.Max(1, nanoseconds / 100)));
    }

    /// <summary>Raises IRQ 0 if the armed clock event is due now; true if it did.</summary>
    private bool FireClockEventIfDue()
    {
        if (_clockDeadline < 0 || _clock.GetTimestamp() < _clockDeadline)
        {
            return false;
        }
        _clockDeadline = -1;
        _pending.Set(0);
        _metrics?.IrqRaised(0); // the clock event's IRQ is raised here, not through /irq
        return true;
    }

    /// <summary>The timer went off: IRQ 0 if due; a timer that fired a little early is armed again for the rest.</summary>
    private void OnClockEvent()
    {
        if (_clockDeadline < 0)
        {
            return; // cancelled, or already raised by a slice that started after the deadline
        }
        if (FireClockEventIfDue())
        {
            OnIrqPending();
            return;
        }
        var rest = _clock.GetElapsedTime(_clock.GetTimestamp(), _clockDeadline);
        ArmClockTimer(rest > TimeSpan.Zero ? rest : TimeSpan.FromTicks(1));
    }

    private void ArmClockTimer(TimeSpan delay)
    {
        if (_world is not null)
        {
            Timers.StartSingleTimer(ClockTimerKey, ClockEvent.Instance, delay);
            return;
        }
        if (_clockTimer is null)
        {
            var self = Self;
            _clockTimer = _clock.CreateTimer(_ => self.Tell(ClockEvent.Instance, ActorRefs.NoSender), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        _clockTimer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void CancelClockTimer()
    {
        if (_world is not null)
        {
            Timers.Cancel(ClockTimerKey);
        }
        _clockTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    protected override void PostStop()
    {
        _clockTimer?.Dispose();
        base.PostStop();
    }

    /// <summary>lguest_data.time: the host's clock, written before every slice (lguest wrote it before each run).</summary>
    private void UpdateGuestClock(IGuestCpu cpu)
    {
        if (TryLguestData(cpu, out ulong data))
        {
            var now = _clock.GetUtcNow();
            long ticks = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
            cpu.Memory.WriteU32(data + LguestDataLayout.TimeSeconds, (uint)(ticks / TimeSpan.TicksPerSecond));
            cpu.Memory.WriteU32(data + LguestDataLayout.TimeNanoseconds, (uint)(ticks % TimeSpan.TicksPerSecond * 100));
        }
    }
}
