namespace LguestActors.Testing;

/// <summary>
/// A clock a test moves by hand: wall time and the monotonic timestamp advance together, only in
/// <see cref="Advance"/>. Timers are not supported (the tests that need them use Akka's TestScheduler).
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks;

    public ManualClock()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _ticks, by.Ticks);
    }
}
