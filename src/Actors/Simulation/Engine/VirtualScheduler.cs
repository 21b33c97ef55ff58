using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;
using LguestActors.Actors.Time;

namespace LguestActors.Actors.Simulation.Engine;

/// <summary>
/// A simulated world's Akka scheduler (<c>akka.scheduler.implementation</c>): no thread, no wall
/// clock. Everything scheduled — actor timers (the clock event, the watchdog's tick, the launcher's
/// drain timeout), delayed kicks and IRQs, late block completions — becomes a timer of the world's
/// <see cref="SimulationEngine"/>, fired on the simulation thread when virtual time reaches it.
/// It owns the engine (one per actor system), and is the <see cref="IVirtualWorld"/> the machine's
/// actors see: the vCPUs advance its clock by the instructions they retire.
/// </summary>
public sealed class VirtualScheduler : SchedulerBase, IDateTimeOffsetNowTimeProvider, IVirtualWorld
{
    /// <summary>Virtual time 0: what a simulated guest reads in lguest_data.time at boot.</summary>
    public static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Where the world's schedule seed is read from (the world puts it there).</summary>
    public const string ScheduleSeedPath = "lguest.simulation.schedule-seed";

    public VirtualScheduler(Config scheduler, ILoggingAdapter log)
        : base(scheduler, log)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        Engine = new SimulationEngine(unchecked((ulong)scheduler.GetLong(ScheduleSeedPath, 1)));
        Clock = new VirtualClock(Engine);
    }

    public SimulationEngine Engine { get; }

    public TimeProvider Clock { get; }

    protected override DateTimeOffset TimeNow => Epoch.AddTicks(Engine.Now / 100);

    public override TimeSpan MonotonicClock => TimeSpan.FromTicks(Engine.Now / 100);

    public override TimeSpan HighResMonotonicClock => MonotonicClock;

    public void Retire(long instructions) => Engine.Retire(instructions);

    public void Observe(string kind, long first, long second) => Engine.Digest.Event(Engine.Now, kind, first, second);

    public void Observe(string kind, long first, ReadOnlySpan<byte> bytes) => Engine.Digest.Event(Engine.Now, kind, first, bytes);

    // Akka wraps a scheduled message for an actor so it does not reset a receive timeout; no actor
    // of the machine uses one, and the digest sees the message itself.
    protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Engine.AddTimer(delay, TimeSpan.Zero, () => receiver.Tell(message, sender), cancelable);

    protected override void InternalScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Engine.AddTimer(initialDelay, interval, () => receiver.Tell(message, sender), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
        Engine.AddTimer(delay, TimeSpan.Zero, action, cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
        Engine.AddTimer(delay, TimeSpan.Zero, action.Run, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable) =>
        Engine.AddTimer(initialDelay, interval, action, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
        Engine.AddTimer(initialDelay, interval, action.Run, cancelable);

    /// <summary>Virtual time as a TimeProvider (UTC from <see cref="Epoch"/>).</summary>
    private sealed class VirtualClock(SimulationEngine engine) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Epoch.AddTicks(engine.Now / 100);

        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => engine.Now;
    }
}
