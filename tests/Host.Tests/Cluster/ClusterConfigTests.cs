using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using LguestActors.Host.Cluster;
using LguestActors.Host.Configuration;
using LguestActors.Host.Experiments;
using LguestActors.Host.Tests.Hosting;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Cluster;

/// <summary>lguest.cluster in config/akka.hocon: each key's effect, and bad input on the command line.</summary>
public sealed class ClusterConfigTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-cluster-config-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static Config FileConfig() =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "akka.hocon")));

    [Fact]
    public async Task The_cluster_section_makes_a_cluster_node_whose_campaign_messages_use_the_campaign_serializer()
    {
        var settings = ClusterSection.FromConfig(FileConfig());
        var config = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp { hostname = localhost, port = 0 }")
            .WithFallback(settings.Akka).WithFallback(FileConfig());
        using var system = ActorSystem.Create(ClusterNode.SystemName, config);
        try
        {
            // provider = cluster
            Assert.IsType<ClusterActorRefProvider>(((ExtendedActorSystem)system).Provider);
            // serializers + serialization-bindings: every campaign message, and what comes back is what went
            var result = new TrialResult(3, 77, 2, "0123456789abcdef", new TrialCheck(5, 1, 2, 3, 4, "a problem"), TimeSpan.FromTicks(123456789),
                TimeSpan.FromSeconds(1.5), 10, 11, 12, 13, 14, [TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(9)],
                [TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1)], [.. Enumerable.Range(0, 40_000).Select(i => TimeSpan.FromTicks(i * 977L))]);
            object[] messages =
            [
                new CampaignOffer("c1", "experiment { }", [1, 2, 3], 4096, null, 256),
                new PullTrials("c1", 2, 7),
                new RunTrial("c1", new TrialPlan(3, 77, 2)),
                new TrialDone("c1", result),
                new TrialBroke("c1", 3, 2, "boom"),
                new CampaignOver("c1"),
            ];
            foreach (object message in messages)
            {
                var serializer = system.Serialization.FindSerializerFor(message);
                Assert.IsType<CampaignSerializer>(serializer);
                var bytes = serializer.ToBinary(message);
                object back = system.Serialization.Deserialize(bytes, serializer.Identifier, ((Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(message));
                switch (back)
                {
                    case TrialDone done:
                        var t = done.Result;
                        Assert.Equal(result with { FaultInstants = [], RecoveryTimes = [], RequestTimes = [] }, t with { FaultInstants = [], RecoveryTimes = [], RequestTimes = [] });
                        Assert.Equal(result.FaultInstants, t.FaultInstants);
                        Assert.Equal(result.RecoveryTimes, t.RecoveryTimes);
                        Assert.Equal(result.RequestTimes, t.RequestTimes);
                        // 40,000 completions fit well inside Akka.Remote's default 128,000-byte frame.
                        Assert.True(bytes.Length < 128_000, $"{bytes.Length} bytes");
                        break;
                    case CampaignOffer offer:
                        Assert.Equal([1, 2, 3], offer.Kernel);
                        Assert.Equal(((CampaignOffer)message) with { Kernel = offer.Kernel }, offer);
                        break;
                    default:
                        Assert.Equal(message, back);
                        break;
                }
            }
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task On_a_cluster_node_Akka_publishes_no_log_events_of_its_own_and_without_the_cluster_section_it_does()
    {
        // lguest.cluster.akka.loglevel = OFF: a dead peer is an Akka.Remote ERROR with a stack
        // trace on stdout; on a cluster node nothing of Akka's is logged at all.
        var clusterConfig = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp { hostname = localhost, port = 0 }")
            .WithFallback(ClusterSection.FromConfig(FileConfig()).Akka).WithFallback(FileConfig());
        Assert.Equal(0, await ErrorsPublishedAsync(clusterConfig));
        Assert.Equal(1, await ErrorsPublishedAsync(FileConfig()));
    }

    private static async Task<int> ErrorsPublishedAsync(Config config)
    {
        using var system = ActorSystem.Create(ClusterNode.SystemName, config);
        try
        {
            int errors = 0;
            var listener = system.ActorOf(Props.Create(() => new ErrorCounter(() => Interlocked.Increment(ref errors))));
            system.EventStream.Subscribe(listener, typeof(Akka.Event.Error));
            Akka.Event.Logging.GetLogger(system, "remoting").Error("an Akka error, as Akka.Remote logs a lost connection");
            // A marker through the same listener: once it is back, any error published before it has been counted.
            Assert.Equal("marker", await listener.Ask<string>("marker", TimeSpan.FromSeconds(30)));
            return Volatile.Read(ref errors);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private sealed class ErrorCounter : ReceiveActor
    {
        public ErrorCounter(Action counted)
        {
            Receive<Akka.Event.Error>(_ => counted());
            Receive<string>(s => Sender.Tell(s));
        }
    }

    [Fact]
    public async Task An_unreachable_seed_node_is_one_line_naming_it_after_the_join_timeout_and_exit_1()
    {
        using var host = HostWith("join-timeout = 20s", "join-timeout = 2s");
        using var silent = new SilentPort();
        int deadPort = silent.Port;

        int code = await host.RunAsync(Program.LauncherProps, "experiment", Spec(), "--cluster", $"akka.tcp://lguest@localhost:{deadPort}", "--out", Path.Combine(_dir.FullName, "r"))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(1, code);
        string last = host.ErrorLines[^1];
        Assert.Contains($"cannot join the cluster at akka.tcp://lguest@localhost:{deadPort}", last, StringComparison.Ordinal);
        Assert.Contains("within 2s (lguest.cluster.join-timeout)", last, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "r", "report.md")));
    }

    [Fact]
    public async Task A_coordinator_with_no_worker_gives_up_after_the_worker_timeout_with_one_line_and_exit_1()
    {
        // The coordinator is its own seed node: the cluster forms, but nobody runs trials.
        using var host = HostWith("worker-timeout = 60s", "worker-timeout = 2s");
        int port = NodeProcess.FreePort();

        int code = await host.RunAsync(Program.LauncherProps, "experiment", Spec(), "--cluster", $"akka.tcp://lguest@localhost:{port}", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(1, code);
        Assert.Contains("no worker in the cluster for 2s (lguest.cluster.worker-timeout): 0 of 2 trial(s) in", host.ErrorLines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--cluster", "lguest@localhost:4053", "--cluster: 'lguest@localhost:4053' is not a seed-node address like akka.tcp://lguest@HOST:PORT")]
    [InlineData("--cluster", "akka.tcp://other@localhost:4053", "--cluster: 'akka.tcp://other@localhost:4053' is not a seed-node address like akka.tcp://lguest@HOST:PORT")]
    [InlineData("--cluster", "akka.tcp://lguest@localhost:4053 --realtime", "--cluster runs trials in simulation (a digest per trial); --realtime cannot be spread")]
    [InlineData("--cluster", "akka.tcp://lguest@localhost:4053 --port 70000", "--port needs a number from 0 to 65535")]
    public async Task Bad_cluster_options_of_an_experiment_are_a_usage_error_naming_the_value(string option, string value, string message)
    {
        using var host = new HostHarness { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };
        string[] args = ["experiment", Spec(), option, .. value.Split(' ')];

        Assert.Equal(2, await host.RunAsync(Program.LauncherProps, args));
        Assert.Equal($"lguest-actors experiment: {message}", host.ErrorLines[0]);
    }

    [Theory]
    [InlineData("", "lguest-actors node: --seed-nodes needs at least one seed-node address like akka.tcp://lguest@HOST:PORT")]
    [InlineData("--seed-nodes akka.tcp://lguest@localhost", "lguest-actors node: --seed-nodes: 'akka.tcp://lguest@localhost' is not a seed-node address like akka.tcp://lguest@HOST:PORT")]
    [InlineData("--seed-nodes akka.tcp://lguest@localhost:4053 --parallel 0", "lguest-actors node: --parallel needs a number from 1 to 1024")]
    [InlineData("--seed-nodes akka.tcp://lguest@localhost:4053 --bogus", "lguest-actors node: unexpected argument '--bogus'")]
    public async Task Bad_node_options_are_a_usage_error_naming_the_value(string args, string message)
    {
        using var host = new HostHarness { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };

        Assert.Equal(2, await host.RunAsync(Program.LauncherProps, ["node", .. args.Split(' ', StringSplitOptions.RemoveEmptyEntries)]));
        Assert.Equal(message, host.ErrorLines[0]);
    }

    [Fact]
    public async Task A_node_whose_seed_is_unreachable_says_so_after_the_join_timeout_and_exits_1()
    {
        using var host = HostWith("join-timeout = 20s", "join-timeout = 1s");
        using var silent = new SilentPort();
        int deadPort = silent.Port;

        int code = await host.RunAsync(Program.LauncherProps, "node", "--seed-nodes", $"akka.tcp://lguest@localhost:{deadPort}", "--port", "0")
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(1, code);
        Assert.Contains($"lguest-actors node: cannot join the cluster at akka.tcp://lguest@localhost:{deadPort}", host.ErrorLines[^1], StringComparison.Ordinal);
        Assert.Contains("within 1s", host.ErrorLines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("experiment", "join-timeout = 20s", "join-timeout = soon", "lguest-actors experiment: config/akka.hocon: lguest.cluster.join-timeout must be a duration like 100ms, 2s or 1m, not 'soon'")]
    [InlineData("node", "worker-timeout = 60s", "worker-timeout = 10ms", "lguest-actors: config/akka.hocon: lguest.cluster.worker-timeout must be a duration of at least 100ms, not '10ms'")]
    public async Task A_bad_cluster_setting_is_one_line_naming_the_key_before_anything_starts(string command, string from, string to, string message)
    {
        using var host = HostWith(from, to);
        string[] args = command == "node"
            ? ["node", "--seed-nodes", "akka.tcp://lguest@localhost:4053"]
            : ["experiment", Spec(), "--cluster", "akka.tcp://lguest@localhost:4053"];

        Assert.Equal(1, await host.RunAsync(Program.LauncherProps, args).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(message, host.ErrorLines[^1]);
    }

    /// <summary>A host whose akka.hocon is the repository's with one line changed.</summary>
    private HostHarness HostWith(string from, string to)
    {
        string folder = Path.Combine(_dir.FullName, "config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string text = File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "akka.hocon"));
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, AkkaConfigFile.FileName), text.Replace(from, to, StringComparison.Ordinal));
        return new HostHarness { SearchRoots = [folder, AppContext.BaseDirectory, RepoPaths.Root] };
    }

    private string Spec()
    {
        string path = Path.Combine(_dir.FullName, "spec.hocon");
        File.WriteAllText(path, "experiment { workload = console-count, count = 10, trials = 2 }");
        return path;
    }
}

/// <summary>
/// A port that takes connections and never answers, held for the test: a seed node that is there
/// but never lets anyone in. (A port merely freed could be handed back to the node under test as
/// its own "any free port", and it would then be its own seed.)
/// </summary>
internal sealed class SilentPort : IDisposable
{
    private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);

    public SilentPort()
    {
        _listener.Start();
    }

    public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose() => _listener.Stop();
}
