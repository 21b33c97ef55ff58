using LguestActors.Actors.Telemetry;
using LguestActors.Host.Cli;

namespace LguestActors.Host.Observe;

/// <summary>
/// What watches one host run: the meter capture behind <c>--summary</c> and the Prometheus
/// endpoint of <c>--metrics-port</c>, both started before the first VM boots and disposed after
/// the last one ended.
/// </summary>
internal sealed class Observing : IDisposable
{
    private readonly MeterCapture? _capture;
    private readonly IDisposable? _endpoint;

    private Observing(MeterCapture? capture, IDisposable? endpoint)
    {
        _capture = capture;
        _endpoint = endpoint;
    }

    /// <summary>Starts what <paramref name="options"/> asks for; the one error line when the port cannot be served.</summary>
    public static (Observing? Observing, string? Error) Start(ObserveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IDisposable? endpoint = null;
        if (options.MetricsPort is int port)
        {
            try
            {
                endpoint = PrometheusEndpoint.Start(port);
            }
            catch (Exception e) when (e is InvalidOperationException or System.Net.HttpListenerException)
            {
                string why = e.InnerException?.Message ?? e.Message;
                return (null, $"--metrics-port={port}: cannot serve http://localhost:{port}/metrics: {why}");
            }
        }
        return (new Observing(options.Summary ? new MeterCapture() : null, endpoint), null);
    }

    /// <summary>With --summary: one screen per VM that booted, on <paramref name="error"/>.</summary>
    public void WriteSummary(TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (_capture is null)
        {
            return;
        }
        foreach (string vm in VmSummary.Vms(_capture))
        {
            error.Write($"{Usage.ProgramName}: {VmSummary.Format(_capture, vm).Replace("\n", Environment.NewLine, StringComparison.Ordinal)}");
        }
        error.Flush();
    }

    public void Dispose()
    {
        _capture?.Dispose();
        _endpoint?.Dispose();
    }
}
