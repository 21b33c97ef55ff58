using System.Diagnostics;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;

namespace LguestActors.Host;

/// <summary>
/// The first VM's console under <c>--timings</c>: marks the guest's first console byte in the
/// timeline (the end of the start-up the host reports), then passes everything through.
/// </summary>
internal sealed class FirstByteConsoleBackend(IConsoleBackend inner, BootTimeline timeline) : IConsoleBackend
{
    public const string Phase = "guest: first console byte";

    private int _seen;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bool first = bytes.Length > 0 && Interlocked.Exchange(ref _seen, 1) == 0;
        inner.Write(bytes);
        if (first)
        {
            timeline.Mark(Phase, Stopwatch.GetTimestamp());
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit) => inner.Start(onInput, onClosed, credit);
}
