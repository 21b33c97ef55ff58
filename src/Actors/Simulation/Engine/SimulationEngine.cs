using Akka.Dispatch;
using LguestActors.Actors.Time;
using LguestActors.Actors.Simulation.Digest;

namespace LguestActors.Actors.Simulation.Engine;

/// <summary>
/// The heart of a simulated world (docs/DETERMINISM.md): the set of ready mailboxes, the virtual
/// clock with its timers, and the loop that runs them — all on one thread, the simulation thread,
/// which is whichever thread is inside <see cref="Step"/>. One step runs one mailbox chosen by the
/// schedule seed's generator, and that mailbox delivers at most one message: so one seed is one
/// interleaving, and other seeds explore others. Ready mailboxes are kept in the order their actors
/// were created, never in the order they became ready (Akka stops an actor's children in
/// string-hash order, which differs from process to process).
/// </summary>
public sealed partial class SimulationEngine
{
    /// <summary>Nanoseconds of virtual time per retired guest instruction: RDTSC's 1 GHz (Cpu.VirtualTscKhz).</summary>
    public const long NanosecondsPerInstruction = 1_000_000 / Cpu.Cpu.VirtualTscKhz;

    private readonly List<(long Key, IRunnable Run)> _ready = [];
    private readonly SeededRandom _schedule;
    private long _nextKey;
    private long _now;
    private int _deliveriesLeft;

    /// <summary>The thread inside <see cref="Step"/> now, or 0.</summary>
    private int _simulationThread;

    public SimulationEngine(ulong scheduleSeed)
    {
        ScheduleSeed = scheduleSeed;
        _schedule = new SeededRandom(scheduleSeed);
    }

    /// <summary>The seed the next ready mailbox is chosen with.</summary>
    public ulong ScheduleSeed { get; }

    /// <summary>Virtual nanoseconds since the world began.</summary>
    public long Now => _now;

    /// <summary>Steps run so far: each ran one mailbox or one timer's action.</summary>
    public long Steps { get; private set; }

    /// <summary>The hash over every message delivered in the world and every guest-visible event.</summary>
    public RunDigest Digest { get; } = new();

    /// <summary>Mailboxes that wait to run.</summary>
    public int ReadyCount => _ready.Count;

    /// <summary>True while a thread runs the world.</summary>
    public bool IsRunning => Volatile.Read(ref _simulationThread) != 0;

    /// <summary>Calls of <see cref="Step"/> so far: the boundaries an external input can enter at.</summary>
    public long Boundaries { get; private set; }

    /// <summary>
    /// Called at the start of every <see cref="Step"/> with its boundary number, before anything
    /// runs: a replayed session's inputs are injected here, at the boundary they entered at.
    /// </summary>
    public Action<long>? BeforeStep { get; set; }

    /// <summary>
    /// One step: fire the timers that are due, then run one ready mailbox chosen by the schedule
    /// seed. With nothing ready, virtual time jumps to the next timer (every actor is idle and every
    /// vCPU halted). False when nothing is ready and no timer is set: the world is quiescent.
    /// </summary>
    /// <exception cref="SimulationThreadException">something of the world ran, or was sent to, off the simulation thread.</exception>
    public bool Step()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Interlocked.CompareExchange(ref _simulationThread, me, 0) != 0)
        {
            Violation($"two threads drive one simulated world (thread {me} and thread {_simulationThread})");
            ThrowIfViolated();
        }
        try
        {
            ThrowIfViolated();
            long boundary = Boundaries++;
            BeforeStep?.Invoke(boundary);
            FireDueTimers();
            if (_ready.Count == 0)
            {
                if (!JumpToNextTimer())
                {
                    return false;
                }
                FireDueTimers();
                if (_ready.Count == 0)
                {
                    return true; // the timer was an action, or cancelled: the next step looks again
                }
            }
            int pick = _ready.Count == 1 ? 0 : _schedule.NextBelow(_ready.Count);
            var run = _ready[pick].Run;
            _ready.RemoveAt(pick);
            Steps++;
            _deliveriesLeft = 1;
            run.Run();
            _deliveriesLeft = 0;
            ThrowIfViolated();
            return true;
        }
        finally
        {
            Volatile.Write(ref _simulationThread, 0);
        }
    }

    /// <summary>Guest instructions retired: the clock moves on (timers now due fire at the next step).</summary>
    public void Retire(long instructions)
    {
        if (instructions > 0)
        {
            _now += instructions * NanosecondsPerInstruction;
        }
    }

    /// <summary>Moves the clock forward to <paramref name="nanoseconds"/> (a recorded input's instant); never back.</summary>
    public void AdvanceTo(long nanoseconds)
    {
        if (nanoseconds > _now)
        {
            _now = nanoseconds;
        }
    }

    /// <summary>A mailbox (or another runnable) became ready: it joins the ready set at its actor's place.</summary>
    internal void Ready(IRunnable run)
    {
        CheckThread("an actor was scheduled");
        long key = run is Mailbox { MessageQueue: SimulationMessageQueue queue } ? queue.Key : NewKey();
        int at = _ready.BinarySearch((key, run), KeyOrder.Instance);
        _ready.Insert(at < 0 ? ~at : at, (key, run));
    }

    /// <summary>A creation-ordered key (a new mailbox, or a runnable that is not a mailbox).</summary>
    internal long NewKey() => Interlocked.Increment(ref _nextKey);

    /// <summary>May the mailbox being run hand out a message now? Once per step, on the simulation thread only.</summary>
    internal bool TryTakeDelivery(string actor)
    {
        if (Environment.CurrentManagedThreadId != Volatile.Read(ref _simulationThread))
        {
            Violation($"actor {actor} ran on thread {Environment.CurrentManagedThreadId} ('{Thread.CurrentThread.Name}'), not the simulation thread");
            return false;
        }
        if (_deliveriesLeft <= 0)
        {
            return false;
        }
        _deliveriesLeft--;
        return true;
    }

    /// <summary>A message is being sent to <paramref name="actor"/>: from the simulation thread, or while the world stands still.</summary>
    internal void CheckSend(string actor) => CheckThread($"a message was sent to {actor}");

    private sealed class KeyOrder : IComparer<(long Key, IRunnable Run)>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare((long Key, IRunnable Run) x, (long Key, IRunnable Run) y) => x.Key.CompareTo(y.Key);
    }
}
