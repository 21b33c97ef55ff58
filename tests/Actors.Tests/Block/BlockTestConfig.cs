namespace LguestActors.Actors.Tests.Block;

/// <summary>Actor-system config for tests whose VMs have a disk.</summary>
internal static class BlockTestConfig
{
    /// <summary>The block workers' dispatcher as config/akka.hocon defines it.</summary>
    public const string IoDispatcher = """
        device-io-dispatcher {
          type = Dispatcher
          executor = fork-join-executor
          fork-join-executor { parallelism-min = 2, parallelism-factor = 1.0, parallelism-max = 4 }
          throughput = 1
        }
        """;
}
