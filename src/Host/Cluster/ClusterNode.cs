using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Configuration;

namespace LguestActors.Host.Cluster;

/// <summary>
/// <c>lguest.cluster</c> of config/akka.hocon: read only in cluster mode (<c>node</c>,
/// <c>experiment --cluster</c>). A single VM never builds a cluster actor system, so remoting
/// is never loaded for it.
/// </summary>
/// <param name="JoinTimeout">How long a node waits to be Up in the cluster before it gives up with one line.</param>
/// <param name="WorkerTimeout">How long a coordinator waits with no worker in the cluster before it gives up with one line.</param>
/// <param name="Akka">The akka settings a cluster node adds (provider, serializer): lguest.cluster.akka, re-rooted at akka.</param>
internal sealed record ClusterSection(TimeSpan JoinTimeout, TimeSpan WorkerTimeout, Config Akka)
{
    public const string Section = "lguest.cluster";

    /// <exception cref="ConfigurationException">a missing or bad key; the message names it.</exception>
    public static ClusterSection FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.HasPath(Section + ".akka"))
        {
            throw new ConfigurationException($"{Section}.akka is missing: the cluster's actor provider and serializer are set there");
        }
        var read = new ConfigReader(config.GetConfig(Section), Section);
        return new ClusterSection(
            read.Duration("join-timeout", null, TimeSpan.FromMilliseconds(100)),
            read.Duration("worker-timeout", null, TimeSpan.FromMilliseconds(100)),
            config.GetConfig(Section + ".akka").Root.AtKey("akka"));
    }
}

/// <summary>Starting a cluster actor system for a worker or a coordinator, and the addresses it is told.</summary>
internal static class ClusterNode
{
    /// <summary>Every node's actor system name: Akka.Cluster joins only systems of one name.</summary>
    public const string SystemName = "lguest";

    public const string WorkerRole = "worker";

    public const string CoordinatorRole = "coordinator";

    public const string AddressExample = "akka.tcp://lguest@HOST:PORT";

    /// <summary>Parses a comma-separated list of seed-node addresses; the error names the bad one and what was expected.</summary>
    public static (IReadOnlyList<Address>? Seeds, string? Error) ParseSeeds(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, $"{option} needs at least one seed-node address like {AddressExample}");
        }
        var seeds = new List<Address>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            Address? address = null;
            try
            {
                address = Address.Parse(part);
            }
            catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
            {
            }
            if (address is null || address.Protocol != "akka.tcp" || address.System != SystemName || address.Host is null || address.Port is null or <= 0 or > 65535)
            {
                return (null, $"{option}: '{part}' is not a seed-node address like {AddressExample}");
            }
            seeds.Add(address);
        }
        return (seeds, null);
    }

    /// <summary>Parses a port option: 0 (any free port) to 65535.</summary>
    public static int? ParsePort(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= 65535 ? port : null;

    /// <summary>
    /// Starts the node's actor system listening on <paramref name="host"/>:<paramref name="port"/>
    /// with <paramref name="role"/>, lets <paramref name="beforeJoin"/> create its actors (so a
    /// member that is Up already has them), joins <paramref name="seeds"/>, and waits until it is
    /// Up — at most lguest.cluster.join-timeout. The error is one line.
    /// </summary>
    public static async Task<(ActorSystem? System, string? Error)> StartAsync(Config fileConfig, ClusterSection settings, string host, int port, string role,
        IReadOnlyList<Address> seeds, Action<ActorSystem> beforeJoin)
    {
        ArgumentNullException.ThrowIfNull(beforeJoin);
        var node = ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture,
            $"akka.remote.dot-netty.tcp.hostname = \"{host}\"\nakka.remote.dot-netty.tcp.port = {port}\nakka.cluster.roles = [\"{role}\"]"));
        ActorSystem system;
        try
        {
            system = ActorSystem.Create(SystemName, node.WithFallback(settings.Akka).WithFallback(fileConfig));
        }
#pragma warning disable CA1031 // a port in use or a host that cannot be bound: Akka throws several types; all are one line
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (null, $"cannot listen on {host}:{port}: {Logging.ExceptionText.OneLine(e)}");
        }
        beforeJoin(system);
        var cluster = Akka.Cluster.Cluster.Get(system);
        using var timeout = new CancellationTokenSource(settings.JoinTimeout);
        try
        {
            await cluster.JoinSeedNodesAsync(seeds, timeout.Token).ConfigureAwait(false);
            return (system, null);
        }
#pragma warning disable CA1031 // Akka ends the join with its own exception type when the token fires
        catch (Exception e) when (timeout.IsCancellationRequested || e is OperationCanceledException)
#pragma warning restore CA1031
        {
            await Task.WhenAny(system.Terminate(), Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
            return (null, string.Create(CultureInfo.InvariantCulture,
                $"cannot join the cluster at {string.Join(',', seeds)}: no seed node let this node ({cluster.SelfAddress}) in within {settings.JoinTimeout.TotalSeconds:0.#}s (lguest.cluster.join-timeout)"));
        }
    }
}
