using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Host.Configuration;

namespace LguestActors.Host.Cluster;

/// <summary>
/// <c>lguest-actors node --seed-nodes ADDR[,ADDR...] [--host HOST] [--port PORT] [--parallel N]</c>:
/// a worker of cluster campaigns. It joins the cluster, runs the trials coordinators give it, and
/// stays until SIGINT/SIGTERM/SIGHUP (it then leaves the cluster gracefully) or until the cluster
/// removes it.
/// </summary>
internal static class NodeCommand
{
    public const string Name = "node";

    public const int DefaultPort = 4053;

    public const string UsageText =
        "usage: lguest-actors node --seed-nodes ADDR[,ADDR...] [--host HOST] [--port PORT] [--parallel N]\n" +
        "  --seed-nodes ADDR  the cluster's seed nodes, like akka.tcp://lguest@HOST:4053; a node whose own\n" +
        "                     address is the first seed starts the cluster\n" +
        "  --host HOST        the name or IP this node listens on and the others reach it at (default localhost)\n" +
        "  --port PORT        the TCP port it listens on (default 4053; 0 = any free port)\n" +
        "  --parallel N       trials run at once (default: the number of processors)\n" +
        "Runs the trials of every campaign started with 'lguest-actors experiment FILE --cluster ADDR';\n" +
        "stop it with Ctrl-C or SIGTERM (it leaves the cluster; its unfinished trials are rerun elsewhere).\n";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, HostEnvironment env)
    {
        string? seedsText = null, host = "localhost";
        int? port = DefaultPort, parallel = Environment.ProcessorCount;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (a)
            {
                case "--seed-nodes": seedsText = Value() ?? ""; break;
                case "--host": host = Value(); break;
                case "--port": port = ClusterNode.ParsePort(Value()); break;
                case "--parallel":
                    parallel = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 1024 ? n : null;
                    break;
                case "-h" or "--help":
                    await env.Out.WriteAsync(UsageText).ConfigureAwait(false);
                    return ExitCodes.PowerOff;
                default:
                    return await UsageError(env, $"unexpected argument '{a}'").ConfigureAwait(false);
            }
        }
        var (seeds, seedError) = ClusterNode.ParseSeeds(seedsText, "--seed-nodes");
        if (seeds is null)
        {
            return await UsageError(env, seedError!).ConfigureAwait(false);
        }
        if (string.IsNullOrWhiteSpace(host) || port is null || parallel is null)
        {
            return await UsageError(env, string.IsNullOrWhiteSpace(host) ? "--host needs a name or an IP address"
                : port is null ? "--port needs a number from 0 to 65535" : "--parallel needs a number from 1 to 1024").ConfigureAwait(false);
        }

        var (config, error) = LoadConfig(env);
        ClusterSection? settings = null;
        try
        {
            settings = config is null ? null : ClusterSection.FromConfig(config);
        }
        catch (ConfigurationException e)
        {
            error = $"config/akka.hocon: {e.Message}";
        }
        if (config is null || settings is null)
        {
            await env.Error.WriteLineAsync($"lguest-actors: {error}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var stop = new TaskCompletionSource<StopSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable signals = env.Signals.Register(s => stop.TrySetResult(s));
        // Trials build their simulated worlds from the file's config, never from the cluster's.
        var trialConfig = ConfigurationFactory.ParseString("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR\nakka.log-dead-letters = off").WithFallback(config);
        var log = TextWriter.Synchronized(env.Error);
        var (system, joinError) = await ClusterNode.StartAsync(config, settings, host, port.Value, ClusterNode.WorkerRole, seeds,
            s => s.ActorOf(TrialWorker.Props(parallel.Value, trialConfig, log), TrialWorker.Name)).ConfigureAwait(false);
        if (system is null)
        {
            await env.Error.WriteLineAsync($"lguest-actors node: {joinError}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        await log.WriteLineAsync($"node {self}: up as a worker, {parallel} trial(s) at once; seed nodes {string.Join(',', seeds)}").ConfigureAwait(false);
        var ended = await Task.WhenAny(stop.Task, system.WhenTerminated).ConfigureAwait(false);
        if (ended == stop.Task)
        {
            await log.WriteLineAsync($"node {self}: stopped by SIG{LguestHost.SignalName(stop.Task.Result)}, leaving the cluster").ConfigureAwait(false);
            await Task.WhenAny(system.Terminate(), Task.Delay(TimeSpan.FromSeconds(15))).ConfigureAwait(false);
            return ExitCodes.ForSignal(stop.Task.Result);
        }
        await log.WriteLineAsync($"node {self}: removed from the cluster (downed or unreachable for too long); exiting").ConfigureAwait(false);
        return ExitCodes.Failure;
    }

    /// <summary>
    /// config/akka.hocon, which holds lguest.cluster (the cluster needs it: there is no default).
    /// Akka's own warnings (an association gated when a coordinator leaves) would go to stdout and
    /// tell nothing the node's lines on stderr do not: quiet, as for an experiment.
    /// </summary>
    internal static (Config? Config, string? Error) LoadConfig(HostEnvironment env)
    {
        string? path = AkkaConfigFile.Locate(env.SearchRoots);
        if (path is null)
        {
            return (null, $"{AkkaConfigFile.RepositoryPath} not found beside the program or in a source tree: the cluster settings (lguest.cluster) are in it");
        }
        var (config, _, error) = AkkaConfigFile.Load(path);
        return config is null ? (null, error) : (ConfigurationFactory.ParseString("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR").WithFallback(config), null);
    }

    private static async Task<int> UsageError(HostEnvironment env, string message)
    {
        await env.Error.WriteLineAsync($"lguest-actors node: {message}").ConfigureAwait(false);
        await env.Error.WriteAsync(UsageText).ConfigureAwait(false);
        return ExitCodes.Usage;
    }
}
