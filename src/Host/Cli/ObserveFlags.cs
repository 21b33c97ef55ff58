using System.Globalization;

namespace LguestActors.Host.Cli;

/// <summary>How the run is watched from outside (docs/HOST.md, "Metrics and traces").</summary>
/// <param name="Summary"><c>--summary</c>: when the VMs end, one screen per VM on stderr from the LguestActors meter.</param>
/// <param name="MetricsPort"><c>--metrics-port=PORT</c>: serve the meter for Prometheus at http://localhost:PORT/metrics, or null for no endpoint.</param>
internal sealed record ObserveOptions(bool Summary, int? MetricsPort)
{
    public static readonly ObserveOptions None = new(false, null);
}

/// <summary>The command line's <c>--summary</c> and <c>--metrics-port=PORT</c>.</summary>
internal sealed class ObserveFlags
{
    private bool _summary;
    private int? _port;

    public static bool Owns(string arg) =>
        arg == "--summary" || arg == "--metrics-port" || arg.StartsWith("--metrics-port=", StringComparison.Ordinal);

    /// <summary>Takes one option (the port may be the next argument); an error line or null.</summary>
    public string? Take(string arg, IReadOnlyList<string> args, ref int i)
    {
        if (arg == "--summary")
        {
            _summary = true;
            return null;
        }
        string? value = arg == "--metrics-port" ? (i + 1 < args.Count ? args[++i] : null) : arg["--metrics-port=".Length..];
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return $"--metrics-port={value}: expected a TCP port from 1 to 65535";
        }
        _port = port;
        return null;
    }

    /// <summary>What was asked, or null for neither option (a run with nothing to watch).</summary>
    public ObserveOptions? Options() => _summary || _port is not null ? new ObserveOptions(_summary, _port) : null;
}
