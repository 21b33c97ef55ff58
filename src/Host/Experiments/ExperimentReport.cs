using System.Globalization;
using System.Text;

namespace LguestActors.Host.Experiments;

/// <summary>
/// The report of a run, in a folder: report.md (summary table, per-trial table, failing seeds with
/// the command that reruns each alone), trials.csv, recovery.svg (recovery-time distribution over
/// all trials) and throughput.svg (the workload's units served per second over one trial, faults marked).
/// </summary>
internal static class ExperimentReport
{
    /// <summary>Creates <paramref name="folder"/> and writes and removes a probe file in it; the reason it cannot, or null.</summary>
    public static string? CheckWritable(string folder)
    {
        try
        {
            if (File.Exists(folder))
            {
                return "it is a file, not a folder";
            }
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return e.Message;
        }
    }

    public static string Write(string folder, ExperimentSpec spec, string specPath, IReadOnlyList<TrialResult> trials, string command)
    {
        Directory.CreateDirectory(folder);
        var recoveries = trials.SelectMany(t => t.RecoveryTimes).Select(r => r.TotalMilliseconds).ToList();
        File.WriteAllText(Path.Combine(folder, "recovery.svg"),
            Svg.Histogram($"{spec.Name}: time from an injected device failure to the next request served", "milliseconds", recoveries));
        var shown = trials.FirstOrDefault(t => !t.Check.Passed) ?? trials.OrderByDescending(t => t.DeviceFailures).FirstOrDefault();
        if (shown is not null)
        {
            File.WriteAllText(Path.Combine(folder, "throughput.svg"),
                Svg.Timeline($"{spec.Name}: trial {shown.Index} ({shown.SeedText}), {spec.RateUnit} over {(shown.Simulated ? "virtual " : "")}time", shown.Served, shown.FaultInstants, shown.Duration, $"{spec.RateUnit} / s"));
        }
        File.WriteAllText(Path.Combine(folder, "trials.csv"), Csv(trials));
        string report = Markdown(spec, specPath, trials, recoveries, command, shown);
        string path = Path.Combine(folder, "report.md");
        File.WriteAllText(path, report);
        return path;
    }

    public static string SummaryLine(IReadOnlyList<TrialResult> trials) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{trials.Count(t => t.Check.Passed)}/{trials.Count} trials passed; {trials.Sum(t => t.DeviceFailures)} device failures injected; " +
            $"lost {trials.Sum(t => t.Check.Lost)}, duplicated {trials.Sum(t => t.Check.Duplicated)}, out of order {trials.Sum(t => t.Check.OutOfOrder)}, guest-visible errors {trials.Sum(t => t.Check.GuestErrors)}");

    private static string Markdown(ExperimentSpec spec, string specPath, IReadOnlyList<TrialResult> trials, List<double> recoveries, string command, TrialResult? shown)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.Append(inv, $"# Experiment: {spec.Name}\n\n");
        md.Append(inv, $"`{command}` — {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, file `{specPath}`\n\n");
        md.Append(inv, $"Workload **{spec.Workload}** ({spec.Count} {spec.Unit} per trial), {spec.Trials} trial(s) from seed {spec.Seed}; ");
        md.Append(inv, $"supervision: at most {spec.Supervision.MaxRestarts} restarts within {Ms(spec.Supervision.Within)}, watchdog every {Ms(spec.Supervision.WatchdogInterval)} (restart after {Ms(spec.Supervision.WatchdogTimeout)}).\n\n");
        md.Append(inv, $"Fault plan: {Describe(spec.Faults)}\n\n");
        md.Append("## Summary\n\n| | |\n|---|---|\n");
        md.Append(inv, $"| trials passed | **{trials.Count(t => t.Check.Passed)} / {trials.Count}** |\n");
        md.Append(inv, $"| {spec.Unit} checked | {trials.Sum(t => t.Check.Requests)} |\n");
        md.Append(inv, $"| device failures injected (crashes + kills) | {trials.Sum(t => t.Crashes)} + {trials.Sum(t => t.Kills)} = **{trials.Sum(t => t.DeviceFailures)}** |\n");
        md.Append(inv, $"| kicks dropped / IRQs dropped / other faults | {trials.Sum(t => t.KicksDropped)} / {trials.Sum(t => t.IrqsDropped)} / {trials.Sum(t => t.OtherFaults)} |\n");
        md.Append(inv, $"| lost | **{trials.Sum(t => t.Check.Lost)}** |\n");
        md.Append(inv, $"| duplicated | **{trials.Sum(t => t.Check.Duplicated)}** |\n");
        md.Append(inv, $"| out of order | **{trials.Sum(t => t.Check.OutOfOrder)}** |\n");
        md.Append(inv, $"| guest-visible errors | **{trials.Sum(t => t.Check.GuestErrors)}** |\n");
        md.Append(inv, $"| recovery time p50 / p90 / p99 / max | {Percentiles(recoveries)} |\n");
        bool simulated = trials.Any(t => t.Simulated);
        md.Append(inv, $"| engine | {(simulated ? "simulation (one thread, virtual time; each row replays from its two seeds)" : "real time (multi-threaded, wall clock)")} |\n");
        md.Append(inv, $"| trial duration mean / max{(simulated ? " (virtual)" : "")} | {trials.Average(t => t.Duration.TotalSeconds):F3} s / {trials.Max(t => t.Duration.TotalSeconds):F3} s |\n");
        md.Append(inv, $"| wall time, all trials | {trials.Sum(t => t.WallTime.TotalSeconds):F1} s |\n");
        md.Append(inv, $"| {spec.RateUnit} per second (mean over trials; the throughput plot's unit) | {trials.Average(t => t.UnitsPerSecond):F0} |\n\n");
        md.Append("![recovery time distribution](recovery.svg)\n\n");
        if (shown is not null)
        {
            md.Append(inv, $"![throughput of trial {shown.Index}](throughput.svg)\n\n");
        }
        var failing = trials.Where(t => !t.Check.Passed).ToList();
        md.Append("## Failing trials\n\n");
        if (failing.Count == 0)
        {
            md.Append("None.\n\n");
        }
        foreach (var t in failing)
        {
            md.Append(inv, $"- trial {t.Index}, {t.SeedText}: {t.Check.Problem} — {(t.Simulated ? "replay (same digest)" : "rerun alone")}: `{ExperimentCommand.ReplayCommand(t, specPath)}`\n");
        }
        md.Append(inv, $"\n## Trials\n\n| # | seed | schedule | digest | result | {spec.Unit} | crashes | kills | kicks dropped | IRQs dropped | lost | dup | errors | duration | wall | {spec.RateUnit}/s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var t in trials)
        {
            md.Append(inv, $"| {t.Index} | {t.Seed} | {t.ScheduleSeed?.ToString(inv) ?? "—"} | {(t.Digest is null ? "—" : $"`{t.Digest}`")} | {(t.Check.Passed ? "pass" : "**FAIL**")} | {t.Check.Requests} | {t.Crashes} | {t.Kills} | {t.KicksDropped} | {t.IrqsDropped} | {t.Check.Lost} | {t.Check.Duplicated} | {t.Check.GuestErrors} | {t.Duration.TotalSeconds:F3} s | {t.WallTime.TotalSeconds:F2} s | {t.UnitsPerSecond:F0} |\n");
        }
        return md.ToString();
    }

    private static string Ms(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0.###} ms");

    private static string Csv(IReadOnlyList<TrialResult> trials)
    {
        var csv = new StringBuilder("trial,seed,passed,requests,crashes,kills,kicks_dropped,irqs_dropped,other_faults,lost,duplicated,out_of_order,guest_errors,duration_s,problem,schedule_seed,digest,wall_s\n");
        foreach (var t in trials)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{t.Index},{t.Seed},{t.Check.Passed},{t.Check.Requests},{t.Crashes},{t.Kills},{t.KicksDropped},{t.IrqsDropped},{t.OtherFaults},{t.Check.Lost},{t.Check.Duplicated},{t.Check.OutOfOrder},{t.Check.GuestErrors},{t.Duration.TotalSeconds:F6},\"{t.Check.Problem?.Replace("\"", "'", StringComparison.Ordinal)}\",{t.ScheduleSeed},{t.Digest},{t.WallTime.TotalSeconds:F3}\n");
        }
        return csv.ToString();
    }

    private static string Percentiles(List<double> ms)
    {
        if (ms.Count == 0)
        {
            return "—";
        }
        var s = ms.Order().ToArray();
        double P(double p) => Actors.Telemetry.Percentile.NearestRank(s, p);
        return string.Create(CultureInfo.InvariantCulture, $"{P(0.5):F2} / {P(0.9):F2} / {P(0.99):F2} / {s[^1]:F2} ms");
    }

    private static string Describe(Actors.Faults.FaultPlan p)
    {
        var parts = new List<string>();
        var inv = CultureInfo.InvariantCulture;
        if (p.CrashProbability > 0) { parts.Add(string.Create(inv, $"crash p={p.CrashProbability} at {p.CrashPoints}")); }
        if (p.CrashEveryNRequests > 0) { parts.Add(string.Create(inv, $"crash every {p.CrashEveryNRequests} request(s) at a random one of {p.CrashPoints}")); }
        if (p.KillProbability > 0) { parts.Add(string.Create(inv, $"Kill before a kick p={p.KillProbability}")); }
        if (p.Kicks.IsActive) { parts.Add(string.Create(inv, $"kicks drop {p.Kicks.Drop} delay {p.Kicks.Delay} dup {p.Kicks.Duplicate}")); }
        if (p.Irqs.IsActive) { parts.Add(string.Create(inv, $"IRQs drop {p.Irqs.Drop} delay {p.Irqs.Delay} dup {p.Irqs.Duplicate}")); }
        if (p.BackendIoError > 0 || p.BackendNoSpace > 0 || p.SlowIo > 0) { parts.Add(string.Create(inv, $"backend EIO {p.BackendIoError} ENOSPC {p.BackendNoSpace} slow {p.SlowIo}")); }
        if (p.CorruptDescriptor > 0) { parts.Add(string.Create(inv, $"hostile descriptors p={p.CorruptDescriptor}")); }
        if (p.MaxCrashes >= 0) { parts.Add(string.Create(inv, $"at most {p.MaxCrashes} crashes per device")); }
        if (parts.Count > 0 && p.Devices.Count > 0) { parts.Add("devices: " + string.Join(", ", p.Devices)); }
        return parts.Count == 0 ? "none" : string.Join("; ", parts);
    }
}
