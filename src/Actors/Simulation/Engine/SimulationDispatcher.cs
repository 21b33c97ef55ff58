using Akka.Configuration;
using Akka.Dispatch;

namespace LguestActors.Actors.Simulation.Engine;

/// <summary>
/// The dispatcher of a simulated world (config/akka.hocon: <c>simulation-dispatcher</c>): it runs
/// nothing itself. A mailbox with work joins its <see cref="SimulationEngine"/>'s ready set, and the
/// engine runs it on the simulation thread when the schedule seed picks it. Every dispatcher id a
/// world uses (default, internal, vCPU, device I/O) is one of these over the same engine, found
/// through the world's <see cref="VirtualScheduler"/>.
/// </summary>
public sealed class SimulationDispatcher : MessageDispatcher
{
    private readonly SimulationEngine _engine;

    internal SimulationDispatcher(MessageDispatcherConfigurator configurator, string id, SimulationEngine engine)
        : base(configurator)
    {
        _engine = engine;
        Id = id;
        Throughput = 1; // one message per turn; the engine's mailboxes hand out one per step anyway
        // An idle dispatcher's shutdown is a no-op here; asking for it at once keeps it off the virtual timeline.
        ShutdownTimeout = TimeSpan.Zero;
    }

    protected override void ExecuteTask(Akka.Dispatch.IRunnable run) => _engine.Ready(run);

    protected override void Shutdown()
    {
        // Nothing to stop: the simulation thread belongs to whoever drives the world.
    }
}

/// <summary>Builds the <see cref="SimulationDispatcher"/> of one dispatcher id (HOCON <c>type</c>).</summary>
public sealed class SimulationDispatcherConfigurator : MessageDispatcherConfigurator
{
    private readonly SimulationDispatcher _instance;

    public SimulationDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites)
        : base(config, prerequisites)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(prerequisites);
        if (prerequisites.Scheduler is not VirtualScheduler scheduler)
        {
            throw new ConfigurationException(
                $"dispatcher {config.GetString("id", "?")}: a simulation dispatcher needs akka.scheduler.implementation = \"{typeof(VirtualScheduler).AssemblyQualifiedName}\" (docs/DETERMINISM.md), not {prerequisites.Scheduler.GetType().Name}");
        }
        _instance = new SimulationDispatcher(this, config.GetString("id", "simulation-dispatcher"), scheduler.Engine);
    }

    public override MessageDispatcher Dispatcher() => _instance;
}
