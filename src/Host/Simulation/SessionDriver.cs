using System.Collections.Concurrent;
using System.Diagnostics;
using LguestActors.Actors.Simulation.Backends;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Host.Simulation;

/// <summary>
/// Drives a simulated world for the host. Unpaced (<c>--simulate</c>, <c>--replay</c>): as fast as it
/// goes, a replay's inputs injected at the step boundaries they were recorded at. Paced
/// (<c>--record</c>): virtual time never runs ahead of the wall clock, so a person at the terminal
/// sees the guest at its own speed; inputs from other threads (keys, a stop) wait in an inbox and
/// enter at the next step boundary, where they are stamped and kept for the recording.
/// </summary>
internal sealed class SessionDriver
{
    private readonly ConcurrentQueue<RecordedInput> _inbox = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly bool _paced;
    private readonly Queue<RecordedInput> _replayInputs;

    public SessionDriver(bool paced, SessionRecording? replay)
    {
        _paced = paced;
        Replay = replay;
        _replayInputs = new Queue<RecordedInput>(replay?.Inputs ?? []);
    }

    public SessionRecording? Replay { get; }

    /// <summary>The inputs that entered, stamped (for <c>--record</c>).</summary>
    public List<RecordedInput> Recorded { get; } = [];

    /// <summary>An input from outside (a key, a stop request); any thread.</summary>
    public void Post(RecordedInput input)
    {
        _inbox.Enqueue(input);
        _arrived.Release();
    }

    /// <summary>Runs the world until <paramref name="done"/>, a stop (returned), or the virtual time limit.</summary>
    public RecordedInput? Run(SimulationWorld world, SimulatedConsole console, Func<bool> done, TimeSpan limit)
    {
        var engine = world.Engine;
        RecordedInput? stop = null;
        long limitNs = limit.Ticks * 100;
        if (Replay is not null)
        {
            engine.BeforeStep = boundary =>
            {
                while (stop is null && _replayInputs.TryPeek(out var next) && next.Boundary <= boundary)
                {
                    _replayInputs.Dequeue();
                    engine.AdvanceTo(next.Nanoseconds);
                    stop = Inject(next, console);
                }
            };
        }
        var wall = Stopwatch.StartNew();
        try
        {
            while (stop is null && !done() && engine.Now < limitNs)
            {
                // A stop requested while running (a signal, the escape) enters here in every mode.
                stop = TakeInbox(world, console);
                if (stop is not null)
                {
                    break;
                }
                if (_paced && WaitForWallClock(world, wall))
                {
                    continue; // not yet: inputs that arrived meanwhile enter first
                }
                if (!engine.Step() && _replayInputs.Count == 0)
                {
                    if (!_paced)
                    {
                        break; // quiescent, and nothing will ever come
                    }
                    _arrived.Wait();
                    _arrived.Release(); // TakeInbox takes it
                }
            }
        }
        finally
        {
            engine.BeforeStep = null;
        }
        return stop;
    }

    /// <summary>Inputs that came from other threads enter now, at this boundary, stamped for the recording.</summary>
    private RecordedInput? TakeInbox(SimulationWorld world, SimulatedConsole console)
    {
        while (_inbox.TryDequeue(out var input))
        {
            _arrived.Wait(0);
            var stamped = input with { Boundary = world.Engine.Boundaries, Nanoseconds = world.Engine.Now };
            Recorded.Add(stamped);
            if (Inject(stamped, console) is { } stop)
            {
                return stop;
            }
        }
        return null;
    }

    /// <summary>
    /// Paced: virtual time may not pass the wall clock. When what comes next (the running world's
    /// now, or an idle world's next timer) is ahead of it, wait (at most a second) for the wall
    /// clock or an input; an input enters at the wall clock's virtual time. True when the world
    /// must not step yet: the loop takes the inputs and looks again.
    /// </summary>
    private bool WaitForWallClock(SimulationWorld world, Stopwatch wall)
    {
        var engine = world.Engine;
        long next = engine.ReadyCount > 0 ? engine.Now : engine.NextTimer ?? long.MaxValue;
        long nowWall = wall.Elapsed.Ticks * 100;
        if (next <= nowWall)
        {
            return false;
        }
        var wait = TimeSpan.FromTicks(Math.Min((next - nowWall) / 100, TimeSpan.TicksPerSecond));
        if (_arrived.Wait(wait))
        {
            _arrived.Release(); // one count per input waiting: TakeInbox takes it
            // The input enters at the wall clock's instant (never past the timer the world waits for).
            engine.AdvanceTo(Math.Min(next, wall.Elapsed.Ticks * 100));
        }
        return true;
    }

    /// <summary>Carries out one input on the simulation thread (or with the world standing still); a stop ends the run.</summary>
    private static RecordedInput? Inject(RecordedInput input, SimulatedConsole console)
    {
        if (input.Kind == RecordedInput.Stop)
        {
            return input;
        }
        console.Type(input.Bytes);
        return null;
    }
}
