using System.Globalization;
using System.Text;
using LguestActors.Actors.Telemetry;

namespace LguestActors.Host.Observe;

/// <summary>
/// <c>--summary</c>: one screen per VM when it has ended, from what the LguestActors meter saw
/// (a <see cref="MeterCapture"/> listening from before the first VM booted). Latency percentiles
/// are nearest rank (<see cref="Percentile"/>).
/// </summary>
internal static class VmSummary
{
    /// <summary>The VMs the meter saw, in name order.</summary>
    public static IReadOnlyList<string> Vms(MeterCapture meter) => meter.TagValues(LguestTelemetry.VmsRunning.Name, "vm");

    public static string Format(MeterCapture meter, string vm)
    {
        ArgumentNullException.ThrowIfNull(meter);
        var inv = CultureInfo.InvariantCulture;
        var at = ("vm", (object)vm);
        var text = new StringBuilder();
        text.Append(inv, $"vm {vm}: summary (--summary)\n");
        double instructions = meter.Sum(LguestTelemetry.Instructions.Name, at), slices = meter.Sum(LguestTelemetry.Slices.Name, at);
        text.Append(inv, $"  vcpu       {instructions:N0} instructions in {slices:N0} slices\n");
        var calls = meter.TagValues(LguestTelemetry.Hypercalls.Name, "hypercall", at)
            .Select(h => (Name: h, Count: meter.Sum(LguestTelemetry.Hypercalls.Name, at, ("hypercall", h))))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => string.Create(inv, $"{c.Name} {c.Count:N0}"));
        text.Append(inv, $"  hypercalls {Join(calls)}\n");
        text.Append(inv, $"  irqs       raised {meter.Sum(LguestTelemetry.IrqsRaised.Name, at):N0}, delivered {meter.Sum(LguestTelemetry.IrqsDelivered.Name, at):N0}\n");
        var devices = meter.TagValues(LguestTelemetry.Requests.Name, "device", at)
            .Union(meter.TagValues(LguestTelemetry.Kicks.Name, "device", at), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (devices.Count > 0)
        {
            text.Append("  device     queue    kicks   requests    bytes in   bytes out   latency p50 / p99 / max ms\n");
        }
        foreach (string device in devices)
        {
            var queues = meter.TagValues(LguestTelemetry.Requests.Name, "queue", at, ("device", device))
                .Union(meter.TagValues(LguestTelemetry.Kicks.Name, "queue", at, ("device", device)), StringComparer.Ordinal)
                .Select(q => int.Parse(q, inv)).Order();
            foreach (int queue in queues)
            {
                var where = new[] { at, ("device", (object)device), ("queue", (object)queue) };
                var latencies = meter.Values(LguestTelemetry.RequestLatency.Name, where).Order().ToArray();
                string latency = latencies.Length == 0 ? "—"
                    : string.Create(inv, $"{Percentile.NearestRank(latencies, 0.5):0.###} / {Percentile.NearestRank(latencies, 0.99):0.###} / {latencies[^1]:0.###}");
                text.Append(inv, $"  {device,-10} {queue,5} {meter.Sum(LguestTelemetry.Kicks.Name, where),8:N0} {meter.Sum(LguestTelemetry.Requests.Name, where),10:N0} {Bytes(meter.Sum(LguestTelemetry.BytesToDevice.Name, where)),11} {Bytes(meter.Sum(LguestTelemetry.BytesToGuest.Name, where)),11}   {latency}\n");
            }
        }
        foreach (string disk in meter.TagValues(LguestTelemetry.BlockOperations.Name, "device", at))
        {
            var ops = meter.TagValues(LguestTelemetry.BlockOperations.Name, "op", at, ("device", disk)).Select(op =>
            {
                double n = meter.Sum(LguestTelemetry.BlockOperations.Name, at, ("device", disk), ("op", op));
                double bytes = meter.Sum(LguestTelemetry.BlockBytes.Name, at, ("device", disk), ("op", op));
                double failed = n - meter.Sum(LguestTelemetry.BlockOperations.Name, at, ("device", disk), ("op", op), ("status", "ok"));
                return string.Create(inv, $"{op} {n:N0}{(bytes > 0 ? $" ({Bytes(bytes)})" : "")}{(failed > 0 ? $" {failed:N0} failed" : "")}");
            });
            text.Append(inv, $"  block      {disk}: {Join(ops)}\n");
        }
        foreach (string nic in meter.TagValues(LguestTelemetry.FramesSent.Name, "device", at)
                     .Union(meter.TagValues(LguestTelemetry.FramesReceived.Name, "device", at), StringComparer.Ordinal)
                     .Union(meter.TagValues(LguestTelemetry.FramesDropped.Name, "device", at), StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var dev = ("device", (object)nic);
            var dropped = meter.TagValues(LguestTelemetry.FramesDropped.Name, "reason", at, dev)
                .Select(r => string.Create(inv, $"{r} {meter.Sum(LguestTelemetry.FramesDropped.Name, at, dev, ("reason", r)):N0}"));
            text.Append(inv, $"  net        {nic}: sent {meter.Sum(LguestTelemetry.FramesSent.Name, at, dev):N0}, received {meter.Sum(LguestTelemetry.FramesReceived.Name, at, dev):N0}, dropped {Join(dropped, "0")}\n");
        }
        var faults = meter.TagValues(LguestTelemetry.FaultsInjected.Name, "kind", at)
            .Select(k => string.Create(inv, $"{k} {meter.Sum(LguestTelemetry.FaultsInjected.Name, at, ("kind", k)):N0}"));
        text.Append(inv, $"  faults     {Join(faults, "none injected")}\n");
        var restarts = meter.TagValues(LguestTelemetry.DeviceRestarts.Name, "device", at)
            .Select(d => string.Create(inv, $"{d} {meter.Sum(LguestTelemetry.DeviceRestarts.Name, at, ("device", d)):N0}"));
        text.Append(inv, $"  restarts   {Join(restarts, "none")}\n");
        return text.ToString();
    }

    private static string Join(IEnumerable<string> parts, string none = "none")
    {
        string joined = string.Join(", ", parts);
        return joined.Length == 0 ? none : joined;
    }

    /// <summary>Bytes in B, KiB, MiB or GiB with three significant digits.</summary>
    internal static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1)
        {
            bytes /= 1024;
            u++;
        }
        return u == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B") : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.##} {units[u]}");
    }
}
