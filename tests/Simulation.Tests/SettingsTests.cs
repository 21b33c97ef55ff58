using Akka.Configuration;
using LguestActors.Actors.Simulation.Engine;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Simulation.Tests;

/// <summary>config/akka.hocon's simulation keys, by their effect.</summary>
public sealed class SettingsTests
{
    [Fact]
    public void The_shipped_config_makes_every_dispatcher_the_machine_uses_a_simulation_dispatcher_over_one_engine()
    {
        using var world = Worlds.Create(1, 1);
        var dispatchers = world.System.Dispatchers;

        foreach (string id in Worlds.RepositoryConfig.GetStringList(SimulationSettings.DispatchersPath))
        {
            Assert.IsType<SimulationDispatcher>(dispatchers.Lookup(id));
        }
        Assert.IsType<VirtualScheduler>(world.System.Scheduler);
        Assert.Same(world.Engine, ((VirtualScheduler)world.System.Scheduler).Engine);
    }

    [Fact]
    public void A_simulation_dispatcher_type_that_is_not_the_engine_is_one_line_naming_the_key()
    {
        var config = ConfigurationFactory.ParseString("simulation-dispatcher.type = Dispatcher").WithFallback(Worlds.RepositoryConfig);

        var e = Assert.Throws<ConfigurationException>(() => SimulationSettings.WorldConfig(config, 1));

        Assert.Equal("simulation-dispatcher.type = \"Dispatcher\" is not the simulation dispatcher (LguestActors.Actors.Simulation.Engine.SimulationDispatcherConfigurator)", e.Message);
    }

    [Fact]
    public void A_bad_dispatcher_id_in_the_list_is_named()
    {
        var config = ConfigurationFactory.ParseString("lguest.simulation.dispatchers = [\"a b\"]").WithFallback(Worlds.RepositoryConfig);

        var e = Assert.Throws<ConfigurationException>(() => SimulationSettings.WorldConfig(config, 1));

        Assert.Equal("lguest.simulation.dispatchers: 'a b' is not a dispatcher id", e.Message);
    }
}
