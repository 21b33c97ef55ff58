using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LguestActors.Actors.Launcher;

/// <summary>
/// Where a VM's start-up time goes: named marks, each the moment a phase ended, measured from
/// the process start. The host fills it on request (<c>--timings</c>): its own phases, the
/// launcher's boot phases (<see cref="VmConfig.Timeline"/>) and the guest's first console byte.
/// Marks may come from any thread (the host, the launcher, the console device). Each mark also
/// records the CPU time the whole process had used by then: on a shared machine the wall time
/// of a phase says as much about the neighbours as about the phase, its CPU time much less.
/// </summary>
public sealed class BootTimeline
{
    private readonly long _origin;
    private readonly Lock _lock = new();
    private readonly List<(string Phase, long Timestamp, TimeSpan Cpu, long Jitted, TimeSpan JitTime)> _marks = [];

    /// <param name="sinceProcessStart">How long the process had run when this timeline was made.</param>
    public BootTimeline(TimeSpan sinceProcessStart)
    {
        _origin = Stopwatch.GetTimestamp() - (long)(sinceProcessStart.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>
    /// The phases marked so far, in the order they ended, with their end from the process start
    /// and the process's CPU time (all threads) at that end.
    /// </summary>
    public IReadOnlyList<(string Phase, TimeSpan End, TimeSpan Cpu)> Marks
    {
        get
        {
            lock (_lock)
            {
                return _marks.Select(m => (m.Phase, Stopwatch.GetElapsedTime(_origin, m.Timestamp), m.Cpu)).ToList();
            }
        }
    }

    /// <summary>The phase <paramref name="phase"/> ends now.</summary>
    public void Mark(string phase) => Mark(phase, Stopwatch.GetTimestamp());

    /// <summary>The phase <paramref name="phase"/> ended at <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Mark(string phase, long timestamp)
    {
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        // What the JIT did by then (all threads): where ReadyToRun code was missing or rejected.
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan jitTime = System.Runtime.JitInfo.GetCompilationTime();
        lock (_lock)
        {
            _marks.Add((phase, timestamp, cpu, jitted, jitTime));
        }
    }

    /// <summary>True once a phase of that name has been marked.</summary>
    public bool Has(string phase)
    {
        lock (_lock)
        {
            return _marks.Exists(m => m.Phase == phase);
        }
    }

    /// <summary>
    /// One line per phase: how long it took (from the end of the one before), when it ended, the
    /// CPU time the process used in it and in all by its end, and the methods the JIT compiled
    /// in it and the time it spent on them (all threads).
    /// </summary>
    public string Format()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"  {"phase",-34} {"took ms",8} {"at ms",8} {"cpu ms",8} {"cpu at",8} {"jitted",7} {"jit ms",7}");
        TimeSpan previous = TimeSpan.Zero, previousCpu = TimeSpan.Zero, previousJit = TimeSpan.Zero;
        long previousJitted = 0;
        List<(string Phase, long Timestamp, TimeSpan Cpu, long Jitted, TimeSpan JitTime)> marks;
        lock (_lock)
        {
            marks = _marks.OrderBy(m => m.Timestamp).ToList();
        }
        foreach (var (phase, timestamp, cpu, jitted, jitTime) in marks)
        {
            TimeSpan end = Stopwatch.GetElapsedTime(_origin, timestamp);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {phase,-34} {(end - previous).TotalMilliseconds,8:F1} {end.TotalMilliseconds,8:F1} {(cpu - previousCpu).TotalMilliseconds,8:F1} {cpu.TotalMilliseconds,8:F1} {jitted - previousJitted,7} {(jitTime - previousJit).TotalMilliseconds,7:F1}");
            previous = end;
            previousCpu = cpu;
            previousJitted = jitted;
            previousJit = jitTime;
        }
        return text.ToString();
    }
}
