namespace LguestActors.Cpu;

/// <summary>
/// The vCPU's time-stamp counter: what RDTSC reads, and the rate LGUEST_INIT announces in
/// lguest_data.tsc_khz, so the two always agree. The owner chooses it (<see cref="Cpu.Tsc"/>):
/// the host's monotonic clock when the guest runs in real time, a virtual clock under a
/// deterministic simulation — either way one that keeps counting while the guest is halted,
/// which a Linux guest relies on (its TSC clocksource and sched_clock).
/// </summary>
public interface ITscSource
{
    /// <summary>Counter ticks per millisecond (lguest_data.tsc_khz).</summary>
    uint KiloHertz { get; }

    /// <summary>The counter now; <paramref name="retired"/> is the guest instructions retired so far, exact mid-block.</summary>
    ulong Read(ulong retired);
}

/// <summary>
/// One tick per retired guest instruction, announced as 1 GHz: deterministic, but it stands still
/// while the guest is halted. The default of a bare <see cref="Cpu"/> (standalone runs, tests), whose
/// owner has no clock of its own.
/// </summary>
public sealed class RetiredInstructionTsc : ITscSource
{
    public static readonly RetiredInstructionTsc Instance = new();

    private RetiredInstructionTsc()
    {
    }

    public uint KiloHertz => Cpu.VirtualTscKhz;

    public ulong Read(ulong retired) => retired;
}

/// <summary>
/// Nanoseconds of a <see cref="TimeProvider"/>'s monotonic timestamp since this source was made,
/// announced as 1 GHz: the host's clock in real time (<see cref="TimeProvider.System"/>), or any
/// clock a test or a simulation supplies. It keeps counting while the guest is halted.
/// </summary>
public sealed class ClockTsc : ITscSource
{
    private const ulong NanosecondsPerSecond = 1_000_000_000;

    private readonly TimeProvider _clock;
    private readonly long _start;
    private readonly ulong _frequency;

    public ClockTsc(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _start = clock.GetTimestamp();
        _frequency = (ulong)clock.TimestampFrequency;
    }

    public uint KiloHertz => Cpu.VirtualTscKhz;

    public ulong Read(ulong retired)
    {
        ulong ticks = (ulong)Math.Max(0, _clock.GetTimestamp() - _start);
        // Whole seconds and the remainder apart, so a long-running guest never overflows.
        return ticks / _frequency * NanosecondsPerSecond + ticks % _frequency * NanosecondsPerSecond / _frequency;
    }
}
