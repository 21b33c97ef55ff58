using Akka.Configuration;
using LguestActors.Actors.Simulation.World;
using LguestActors.Testing;

namespace LguestActors.Simulation.Tests;

/// <summary>Simulated worlds for tests: built on the repository's config/akka.hocon, logging to the test's output only on failure.</summary>
internal static class Worlds
{
    private static readonly Lazy<Config> LazyConfig = new(() =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "akka.hocon"))));

    private static readonly Lazy<byte[]> LazyKernel = new(() => File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf")));

    /// <summary>config/akka.hocon as the host reads it.</summary>
    public static Config RepositoryConfig => LazyConfig.Value;

    /// <summary>The sample kernel (guest/prebuilt/kernel.elf).</summary>
    public static byte[] Kernel => LazyKernel.Value;

    public static SimulationWorld Create(ulong seed, ulong scheduleSeed, Config? config = null, TextWriter? log = null) =>
        SimulationWorld.Create(seed, scheduleSeed, config ?? RepositoryConfig, log);
}
