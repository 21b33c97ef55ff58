using System.Collections.Concurrent;
using System.Diagnostics;
using LguestActors.Actors.Simulation.Backends;
using LguestActors.Actors.Simulation.Engine;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Host.Simulation;

/// <summary>
/// Drives a simulated world for the host. Unpaced (<c>--simulate</c>, <c>--replay</c>): as fast as it
/// goes, a replay's inputs injected at the step boundaries they were recorded at. Paced
/// (<c>--record</c>): virtual time never runs ahead of the wall clock, so a person at the terminal
/// sees the guest at its own speed; inputs from other threads (keys, a stop) wait in an inbox and
/// enter at the next step boundary, where they are stamped and kept for the recording. Frames from
/// a TAP interface are inputs of the same kind: they enter only here, at a boundary, into the
/// world's <see cref="SimulatedNetPort"/> for that interface.
/// </summary>
internal sealed class SessionDriver
{
    private readonly ConcurrentQueue<RecordedInput> _inbox = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly bool _paced;
    private readonly Queue<RecordedInput> _replayInputs;
    private int _framesWaiting;
    private long _framesDropped;

    public SessionDriver(bool paced, SessionRecording? replay)
    {
        _paced = paced;
        Replay = replay;
        _replayInputs = new Queue<RecordedInput>(replay?.Inputs ?? []);
    }

    public SessionRecording? Replay { get; }

    /// <summary>The inputs that entered, stamped (for <c>--record</c>).</summary>
    public List<RecordedInput> Recorded { get; } = [];

    /// <summary>The world's ports to host interfaces, by interface name: where frame inputs enter.</summary>
    public Dictionary<string, SimulatedNetPort> Ports { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Frames waiting in the inbox at most (a host interface faster than the world never grows
    /// memory without bound); past it a frame is dropped before it enters, and counted.
    /// </summary>
    public int FrameBound { get; init; } = Actors.Devices.Net.NetInbox.DefaultBound;

    /// <summary>Frames from host interfaces dropped because <see cref="FrameBound"/> were waiting (never recorded: they never entered).</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>An input from outside (a key, a stop request); any thread.</summary>
    public void Post(RecordedInput input)
    {
        _inbox.Enqueue(input);
        _arrived.Release();
    }

    /// <summary>A frame the host interface <paramref name="device"/> received; any thread. False when dropped (the inbox is full).</summary>
    public bool PostFrame(string device, byte[] frame)
    {
        if (Interlocked.Increment(ref _framesWaiting) > FrameBound)
        {
            Interlocked.Decrement(ref _framesWaiting);
            Interlocked.Increment(ref _framesDropped);
            return false;
        }
        Post(new RecordedInput(0, 0, RecordedInput.Frame, frame, Text: device));
        return true;
    }

    /// <summary>Runs the world until <paramref name="done"/>, a stop (returned), or the virtual time limit.</summary>
    public RecordedInput? Run(SimulationWorld world, SimulatedConsole console, Func<bool> done, TimeSpan limit)
    {
        var engine = world.Engine;
        RecordedInput? stop = null;
        long limitNs = limit.Ticks * 100;
        var wall = Stopwatch.StartNew();
        while (stop is null && !done() && engine.Now < limitNs)
        {
            // A stop requested while running (a signal, the escape) enters here in every mode.
            // Inputs enter between steps, before the step of the boundary they are stamped with
            // (a replayed one at the boundary it was recorded at), so a stop ends the run before
            // that step in a replay exactly as it did in the recording.
            stop = TakeInbox(world, console) ?? TakeReplayed(engine, console);
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
        return stop;
    }

    /// <summary>A replay's inputs recorded at this boundary (or before it) enter now, each at its virtual time.</summary>
    private RecordedInput? TakeReplayed(SimulationEngine engine, SimulatedConsole console)
    {
        while (_replayInputs.TryPeek(out var next) && next.Boundary <= engine.Boundaries)
        {
            _replayInputs.Dequeue();
            engine.AdvanceTo(next.Nanoseconds);
            if (Inject(next, console) is { } stop)
            {
                return stop;
            }
        }
        return null;
    }

    /// <summary>Inputs that came from other threads enter now, at this boundary, stamped for the recording.</summary>
    private RecordedInput? TakeInbox(SimulationWorld world, SimulatedConsole console)
    {
        while (_inbox.TryDequeue(out var input))
        {
            _arrived.Wait(0);
            if (input.Kind == RecordedInput.Frame)
            {
                Interlocked.Decrement(ref _framesWaiting);
            }
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
    private RecordedInput? Inject(RecordedInput input, SimulatedConsole console)
    {
        switch (input.Kind)
        {
            case RecordedInput.Stop:
                return input;
            case RecordedInput.Frame:
                // The host checked every recorded frame's device before the run (SimulatedHost.CheckFrameDevices).
                Ports[input.Text].Deliver(input.Bytes);
                return null;
            default:
                console.Type(input.Bytes);
                return null;
        }
    }
}
