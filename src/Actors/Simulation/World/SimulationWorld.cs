using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using LguestActors.Actors.Time;
using LguestActors.Actors.Simulation.Digest;
using LguestActors.Actors.Simulation.Engine;

namespace LguestActors.Actors.Simulation.World;

/// <summary>How a run of a simulated world ended.</summary>
public enum RunOutcome
{
    /// <summary>What the run waited for happened.</summary>
    Done,

    /// <summary>Virtual time reached the run's limit first.</summary>
    TimeLimit,

    /// <summary>Nothing was ready and no timer was set: nothing more can ever happen.</summary>
    Quiescent,
}

/// <summary>
/// One simulated world: an actor system whose every actor runs on the simulation thread (the thread
/// calling <see cref="RunUntil"/>), scheduled by <see cref="ScheduleSeed"/>, on virtual time. Build
/// VMs, switches and backends in <see cref="System"/>, then run it; nothing happens between runs.
/// </summary>
public sealed class SimulationWorld : IDisposable
{
    private readonly VirtualScheduler _scheduler;
    private bool _disposed;

    private SimulationWorld(ActorSystem system, ulong seed)
    {
        System = system;
        Seed = seed;
        _scheduler = (VirtualScheduler)system.Scheduler;
    }

    /// <summary>
    /// Creates a world. <paramref name="seed"/> is the run's seed (entropy and latency streams, <see cref="Random"/>);
    /// <paramref name="scheduleSeed"/> picks the interleaving. <paramref name="baseConfig"/> is config/akka.hocon
    /// (or null); <paramref name="log"/> gets the world's log lines (none when null).
    /// </summary>
    public static SimulationWorld Create(ulong seed, ulong scheduleSeed, Config? baseConfig = null, TextWriter? log = null, string name = "simulation")
    {
        var system = ActorSystem.Create(name, SimulationSettings.WorldConfig(baseConfig, scheduleSeed));
        var world = new SimulationWorld(system, seed);
        if (log is not null)
        {
            world.Engine.ViolationLog = log;
            system.EventStream.Subscribe(new SimulationLogger(log, world.Engine, Logging.LogLevelFor(system.Settings.LogLevel)), typeof(LogEvent));
        }
        return world;
    }

    public ActorSystem System { get; }

    /// <summary>The run's seed: entropy, disk latency and other streams split by subsystem.</summary>
    public ulong Seed { get; }

    public ulong ScheduleSeed => Engine.ScheduleSeed;

    public SimulationEngine Engine => _scheduler.Engine;

    public RunDigest Digest => Engine.Digest;

    /// <summary>Virtual time since the world began.</summary>
    public TimeSpan Now => TimeSpan.FromTicks(Engine.Now / 100);

    /// <summary>Virtual time as a clock.</summary>
    public TimeProvider Clock => _scheduler.Clock;

    public IScheduler Scheduler => _scheduler;

    /// <summary>An independent random stream of the run's seed for <paramref name="subsystem"/>.</summary>
    public SeededRandom Random(string subsystem) => SeededRandom.For(Seed, subsystem);

    /// <summary>Runs the world on this thread until <paramref name="done"/> holds, virtual time passes <paramref name="limit"/>, or nothing can happen any more.</summary>
    public RunOutcome RunUntil(Func<bool> done, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(done);
        long limitNs = limit == TimeSpan.MaxValue ? long.MaxValue : limit.Ticks * 100;
        while (true)
        {
            if (done())
            {
                return RunOutcome.Done;
            }
            if (Engine.Now >= limitNs)
            {
                return RunOutcome.TimeLimit;
            }
            if (!Engine.Step())
            {
                return done() ? RunOutcome.Done : RunOutcome.Quiescent;
            }
        }
    }

    /// <summary>Runs until <paramref name="task"/> completes (or the limit), then returns its result.</summary>
    /// <exception cref="TimeoutException">the task did not complete within <paramref name="limit"/> of virtual time, or the world went quiet.</exception>
    public T Await<T>(Task<T> task, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(task);
        var outcome = RunUntil(() => task.IsCompleted, limit);
        if (!task.IsCompleted)
        {
            throw new TimeoutException($"simulation: not done after {Now.TotalSeconds:F3} s of virtual time ({outcome})");
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Asks <paramref name="actor"/> and runs the world until the answer comes.</summary>
    public T Ask<T>(IActorRef actor, object message, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return Await(actor.Ask<T>(message), limit);
    }

    /// <summary>Stops every actor (run to the end on this thread) and the actor system.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        var terminated = System.Terminate();
        try
        {
            for (long steps = 0; !terminated.IsCompleted && steps < 10_000_000 && Engine.Step(); steps++)
            {
            }
        }
        catch (SimulationThreadException)
        {
            // Reported when it happened; the world is going away either way.
        }
        Digest.Dispose();
    }
}
