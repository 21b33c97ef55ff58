using Akka.Configuration;
using LguestActors.Actors.Simulation.Engine;

namespace LguestActors.Actors.Simulation.World;

/// <summary>
/// How an actor system becomes a simulated world: config/akka.hocon's <c>simulation-dispatcher</c>
/// and <c>lguest.simulation</c> section, and the settings no simulated world may do without.
/// </summary>
public static class SimulationSettings
{
    public const string DispatcherPath = "simulation-dispatcher";
    public const string DispatchersPath = "lguest.simulation.dispatchers";

    /// <summary>The dispatcher ids a world runs on its simulation thread when the config names none.</summary>
    public static readonly IReadOnlyList<string> DefaultDispatchers =
    [
        "akka.actor.default-dispatcher", "akka.actor.internal-dispatcher", "akka.actor.default-blocking-io-dispatcher",
        "vcpu-dispatcher", "vcpu-pool-dispatcher", "device-io-dispatcher",
    ];

    /// <summary>
    /// The world's configuration: <paramref name="baseConfig"/> (config/akka.hocon, or nothing) with
    /// every dispatcher of <c>lguest.simulation.dispatchers</c> turned into the simulation dispatcher,
    /// the virtual scheduler and the simulation mailbox, and no logger actor, dead-letter listener or
    /// shutdown hook (each of those would run beside the schedule).
    /// </summary>
    /// <exception cref="ConfigurationException">a dispatcher id or type that is not usable; the message names the key.</exception>
    public static Config WorldConfig(Config? baseConfig, ulong scheduleSeed)
    {
        var config = baseConfig ?? Config.Empty;
        string type = config.HasPath(DispatcherPath + ".type")
            ? config.GetString(DispatcherPath + ".type")
            : typeof(SimulationDispatcherConfigurator).AssemblyQualifiedName!;
        if (Type.GetType(type) is not { } t || !typeof(SimulationDispatcherConfigurator).IsAssignableFrom(t))
        {
            throw new ConfigurationException($"{DispatcherPath}.type = \"{type}\" is not the simulation dispatcher ({typeof(SimulationDispatcherConfigurator).FullName})");
        }
        IEnumerable<string> ids = config.HasPath(DispatchersPath) ? config.GetStringList(DispatchersPath) : DefaultDispatchers;
        var lines = new List<string>
        {
            $"akka.scheduler.implementation = \"{typeof(VirtualScheduler).AssemblyQualifiedName}\"",
            $"akka.actor.default-mailbox.mailbox-type = \"{typeof(SimulationMailbox).AssemblyQualifiedName}\"",
            "akka.loggers = []",
            "akka.stdout-loglevel = OFF",
            "akka.log-dead-letters = off",
            "akka.log-dead-letters-during-shutdown = off",
            "akka.coordinated-shutdown.run-by-actor-system-terminate = off",
            "akka.coordinated-shutdown.run-by-clr-shutdown-hook = off",
            $"{VirtualScheduler.ScheduleSeedPath} = {unchecked((long)scheduleSeed)}",
        };
        foreach (string id in ids)
        {
            if (string.IsNullOrWhiteSpace(id) || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                throw new ConfigurationException($"{DispatchersPath}: '{id}' is not a dispatcher id");
            }
            lines.Add($"{id}.type = \"{type}\"");
        }
        return ConfigurationFactory.ParseString(string.Join('\n', lines)).WithFallback(config);
    }
}
