using System.Diagnostics;
using System.Text;
using LguestActors.Actors.Devices.Console;

namespace LguestActors.Host.Experiments;

/// <summary>A console backend that keeps every write with the time it arrived (for the throughput plot and recovery times).</summary>
internal sealed class TimedConsoleBackend : IConsoleBackend
{
    private readonly List<(TimeSpan At, string Text)> _writes = [];
    private readonly Stopwatch _clock;

    public TimedConsoleBackend(Stopwatch clock)
    {
        _clock = clock;
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
            _writes.Add((_clock.Elapsed, text));
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
    {
        // No input: the workloads run from the kernel command line.
    }
}
