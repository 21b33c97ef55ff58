using System.Net;
using System.Net.Sockets;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Telemetry;
using LguestActors.Host.Cli;
using LguestActors.Host.Observe;
using LguestActors.Host.Tests.Hosting;
using LguestActors.Host.Vmm;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Observe;

// --summary and --metrics-port through the host: what a person running a VM reads and scrapes.
public sealed class ObserveHostTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private static VmPropsFactory RealLauncher() => (config, listener) => GuestSupervisor.Props(config, listener);

    [Fact]
    public async Task Summary_prints_one_screen_for_the_VM_when_it_ends()
    {
        string kernel = Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf");

        int code = await _host.RunAsync(RealLauncher(), "--summary", "32", kernel, "--", "run=count", "n=5");

        Assert.True(code == 0, $"exit {code}: {_host.Error}");
        string[] lines = _host.ErrorLines;
        int at = Array.FindIndex(lines, l => l.StartsWith("lguest-actors: vm guest: summary (--summary)", StringComparison.Ordinal));
        Assert.True(at >= 0, _host.Error.ToString());
        var screen = lines[at..];
        Assert.True(screen.Length <= 24, $"more than one screen:\n{string.Join('\n', screen)}");
        Assert.Matches(@"^  vcpu       [\d,]+ instructions in [\d,]+ slices", screen[1]);
        Assert.Contains(screen, l => l.StartsWith("  hypercalls ", StringComparison.Ordinal) && l.Contains("shutdown 1", StringComparison.Ordinal));
        // The guest's five lines and its banner went out on the console's transmit queue (1).
        Assert.Contains(screen, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^  console\s+1\s+[1-9][\d,]*\s+[1-9][\d,]*\s+\d"));
        Assert.Contains("  faults     none injected", screen);
        Assert.Contains("  restarts   none", screen);
    }

    [Fact]
    public async Task Metrics_port_serves_the_meter_in_Prometheus_text()
    {
        int port = FreePort();
        var (observing, error) = Observing.Start(new ObserveOptions(false, port));
        Assert.Null(error);
        using (observing)
        {
            new VmMetrics("prometheus-test").Slice(1234);

            using var http = new HttpClient();
            string text = await http.GetStringAsync(new Uri($"http://localhost:{port}/metrics"));

            var line = Assert.Single(text.Split('\n'), l => l.StartsWith("lguest_vcpu_instructions", StringComparison.Ordinal) && l.Contains("vm=\"prometheus-test\"", StringComparison.Ordinal));
            Assert.Matches(@"\} 1234( |$)", line); // the cumulative total: what a scrape of a counter reads
        }
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_and_exit_1_before_any_VM()
    {
        // Held on every address: the endpoint's localhost:PORT cannot be bound beside it.
        using var busy = new TcpListener(IPAddress.IPv6Any, 0) { Server = { DualMode = true } };
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var launcher = new LauncherLog();

        int code = await _host.RunAsync((config, listener) => ScriptedLauncher.Props(config, listener, Actors.Protocol.GuestExitKind.PowerOff, "", launcher),
            $"--metrics-port={port}", "16", _host.KernelPath);

        Assert.False(launcher.Started.Task.IsCompleted, "a VM booted");
        Assert.Equal(1, code);
        var line = Assert.Single(_host.ErrorLines);
        Assert.StartsWith($"lguest-actors: --metrics-port={port}: cannot serve http://localhost:{port}/metrics: ", line, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
