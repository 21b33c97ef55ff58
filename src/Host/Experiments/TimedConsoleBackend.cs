using System.Text;
using LguestActors.Actors.Devices.Console;

namespace LguestActors.Host.Experiments;

/// <summary>A console backend that keeps every write with the time it arrived (for the throughput plot and recovery times).</summary>
internal sealed class TimedConsoleBackend : IConsoleBackend
{
    private readonly List<(TimeSpan At, string Text)> _writes = [];
    private readonly Func<TimeSpan> _elapsed;

    /// <param name="elapsed">Time since the trial began (a stopwatch in real time).</param>
    public TimedConsoleBackend(Func<TimeSpan> elapsed)
    {
        _elapsed = elapsed;
    }

    public IReadOnlyList<(TimeSpan At, string Text)> Writes
    {
        get
        {
            lock (_writes)
            {
                return _writes.ToArray();
            }
        }
    }

    public string Output => string.Concat(Writes.Select(w => w.Text));

    public void Write(ReadOnlySpan<byte> bytes)
    {
        string text = Encoding.UTF8.GetString(bytes);
        lock (_writes)
        {
            _writes.Add((_elapsed(), text));
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
    {
        // No input: the workloads run from the kernel command line.
    }
}
