using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace LguestActors.Host.Observe;

/// <summary>
/// <c>--metrics-port=PORT</c>: the LguestActors meter through OpenTelemetry's SDK to its
/// Prometheus exporter on an HttpListener, at http://localhost:PORT/metrics, for as long as the
/// host runs. In a class of its own so that a run without the option never loads OpenTelemetry.
/// </summary>
internal static class PrometheusEndpoint
{
    /// <summary>Starts the endpoint; dispose the result to stop it.</summary>
    /// <exception cref="System.Net.HttpListenerException">the port cannot be listened on.</exception>
    public static IDisposable Start(int port) =>
        Sdk.CreateMeterProviderBuilder()
            .AddMeter(Actors.Telemetry.LguestTelemetry.Name)
            .AddPrometheusHttpListener(o =>
            {
                o.Host = "localhost";
                o.Port = port;
            })
            .Build();
}
