using System.Globalization;
using Akka.Configuration;
using LguestActors.Host.Cli;
using LguestActors.Host.Configuration;

namespace LguestActors.Host.Experiments;

/// <summary>
/// <c>lguest-actors experiment FILE [--trials N] [--seed S] [--trial-seed S] [--schedules N]
/// [--schedule-seed K] [--realtime] [--out DIR]</c>: runs the file's trials (in simulation unless
/// --realtime), a line per trial on stderr, writes the report, and exits 0 when every trial kept
/// every invariant, 1 when one did not, 2 on a usage error.
/// </summary>
internal static class ExperimentCommand
{
    public const string Name = "experiment";

    public const string UsageText =
        "usage: lguest-actors experiment FILE [--trials N] [--seed S] [--trial-seed S] [--schedules N] [--schedule-seed K] [--realtime] [--out DIR]\n" +
        "                                [--cluster ADDR[,ADDR...] [--host HOST] [--port PORT]]\n" +
        "  FILE              an experiment (HOCON/JSON: workload, fault plan, trials, seed); see docs/EXPERIMENTS.md\n" +
        "  --trials N        override the file's trial count\n" +
        "  --seed S          override the file's seed (trial i runs with a seed derived from S and i)\n" +
        "  --trial-seed S    run one trial with exactly this seed (as printed for a failing trial)\n" +
        "  --schedules N     run each trial under schedule seeds 1..N (simulation; default 1)\n" +
        "  --schedule-seed K run under exactly this schedule seed (with --trial-seed: replays one run bit for bit)\n" +
        "  --realtime        run on the multi-threaded engine and the wall clock instead of in simulation\n" +
        "  --out DIR         where the report goes (default: FILE without extension + '-report')\n" +
        "  --cluster ADDR    run the trials on the worker nodes of the cluster with these seed nodes\n" +
        "                    (akka.tcp://lguest@HOST:4053; start workers with 'lguest-actors node'); the same report\n" +
        "  --host HOST       with --cluster: the name or IP this coordinator is reached at (default localhost)\n" +
        "  --port PORT       with --cluster: its TCP port (default 0, any free port)\n";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, HostEnvironment env)
    {
        string? file = null, outDir = null, clusterSeeds = null, clusterHost = null, clusterPort = null;
        int? trials = null, seed = null, trialSeed = null, schedules = null;
        ulong? scheduleSeed = null;
        bool realTime = false, badSchedule = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (a)
            {
                case "--trials": trials = Int(Value()); break;
                case "--seed": seed = Int(Value()); break;
                case "--trial-seed": trialSeed = Int(Value()); break;
                case "--out": outDir = Value(); break;
                case "--schedules": schedules = Int(Value()); break;
                case "--schedule-seed":
                    scheduleSeed = ulong.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong k) ? k : null;
                    badSchedule |= scheduleSeed is null;
                    break;
                case "--realtime": realTime = true; break;
                case "--cluster": clusterSeeds = Value() ?? ""; break;
                case "--host": clusterHost = Value() ?? ""; break;
                case "--port": clusterPort = Value() ?? ""; break;
                case "-h" or "--help":
                    await env.Out.WriteAsync(UsageText).ConfigureAwait(false);
                    return ExitCodes.PowerOff;
                default:
                    if (a.StartsWith('-') || file is not null)
                    {
                        return await UsageError(env, $"unexpected argument '{a}'").ConfigureAwait(false);
                    }
                    file = a;
                    break;
            }
        }
        if (file is null || trials is <= 0 || schedules is <= 0 || badSchedule || (args.Contains("--trials") && trials is null) || (args.Contains("--seed") && seed is null)
            || (args.Contains("--trial-seed") && trialSeed is null) || (args.Contains("--schedules") && schedules is null))
        {
            return await UsageError(env, file is null ? "no experiment file" : "a number is missing or bad").ConfigureAwait(false);
        }
        if (realTime && (schedules is not null || scheduleSeed is not null))
        {
            return await UsageError(env, "--schedules and --schedule-seed are for simulation; --realtime has no schedule to choose").ConfigureAwait(false);
        }

        Cluster.ClusterOptions? cluster = null;
        if (clusterSeeds is not null || clusterHost is not null || clusterPort is not null)
        {
            var (seedNodes, seedError) = Cluster.ClusterNode.ParseSeeds(clusterSeeds, "--cluster");
            int? port = clusterPort is null ? 0 : Cluster.ClusterNode.ParsePort(clusterPort);
            string? problem = seedNodes is null ? seedError
                : realTime ? "--cluster runs trials in simulation (a digest per trial); --realtime cannot be spread"
                : clusterHost is "" ? "--host needs a name or an IP address"
                : port is null ? "--port needs a number from 0 to 65535" : null;
            if (problem is not null)
            {
                return await UsageError(env, problem).ConfigureAwait(false);
            }
            cluster = new Cluster.ClusterOptions(seedNodes!, clusterHost ?? "localhost", port!.Value);
        }

        if (Directory.Exists(file))
        {
            await env.Error.WriteLineAsync($"lguest-actors: {file} is a directory, not an experiment file").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        ExperimentSpec spec;
        string specText;
        try
        {
            specText = await File.ReadAllTextAsync(file).ConfigureAwait(false);
            spec = ExperimentSpec.Parse(specText);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ConfigurationException or FormatException)
        {
            await env.Error.WriteLineAsync($"lguest-actors: {file}: {e.Message.Split('\n')[0]}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        spec = spec with { Trials = trials ?? spec.Trials, Seed = seed ?? spec.Seed };

        (byte[] kernel, _, string? kernelError) = KernelFile.Read(null, env.SearchRoots);
        if (kernelError is not null)
        {
            await env.Error.WriteLineAsync($"lguest-actors: {kernelError}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        // The report folder is checked before the trials run: minutes of trials must not end in
        // "cannot write" with the results lost.
        string folder = outDir ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", Path.GetFileNameWithoutExtension(file) + "-report");
        if (ExperimentReport.CheckWritable(folder) is string folderError)
        {
            await env.Error.WriteLineAsync($"lguest-actors: cannot write the report to {folder}: {folderError}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var seeds = trialSeed is int one
            ? new List<(int Index, int Seed)> { (1, one) }
            : Enumerable.Range(1, spec.Trials).Select(i => (Index: i, Seed: spec.TrialSeed(i))).ToList();
        if (trialSeed is not null)
        {
            spec = spec with { Trials = 1 };
        }
        var schedulesOfEach = scheduleSeed is ulong exact ? [exact] : Enumerable.Range(1, schedules ?? 1).Select(k => (ulong)k).ToList();
        var plan = seeds.SelectMany(t => schedulesOfEach.Select(k => new TrialPlan(t.Index, t.Seed, k))).ToList();
        (Config akka, LguestSettings? settings) = AkkaConfig(env);
        if (settings is not null)
        {
            spec = spec with { Machine = settings.Machine };
        }
        var runner = new ExperimentRunner(spec, kernel, akka, realTime, env.Error);
        string mode = realTime ? "real time" : $"simulation, {schedulesOfEach.Count} schedule(s) each";
        await env.Error.WriteLineAsync($"experiment {spec.Name}: {seeds.Count} trial(s) of {spec.Workload} ({spec.Count} {spec.Unit}), {mode}").ConfigureAwait(false);
        IReadOnlyList<TrialResult> results;
        if (cluster is null)
        {
            results = await runner.RunAsync(plan, r => env.Error.WriteLine(ProgressLine(r, seeds.Count, spec, file))).ConfigureAwait(false);
        }
        else
        {
            var (clustered, clusterError) = await Cluster.ClusterCampaign.RunAsync(akka, specText, spec, kernel, plan, cluster,
                (r, worker) => env.Error.WriteLine(OnWorker(ProgressLine(r, seeds.Count, spec, file), worker)), env.Error).ConfigureAwait(false);
            if (clustered is null)
            {
                await env.Error.WriteLineAsync($"lguest-actors experiment: {clusterError}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            results = clustered;
        }

        string command = "lguest-actors experiment " + string.Join(' ', args);
        string report = ExperimentReport.Write(folder, spec, file, results, command);
        await env.Error.WriteLineAsync(ExperimentReport.SummaryLine(results)).ConfigureAwait(false);
        await env.Error.WriteLineAsync($"report: {report}").ConfigureAwait(false);
        return results.All(r => r.Check.Passed) ? ExitCodes.PowerOff : ExitCodes.Failure;
    }

    /// <summary>A trial's line: its seeds, result, counts, digest and times; a failing one with the command that replays it.</summary>
    internal static string ProgressLine(TrialResult r, int trials, ExperimentSpec spec, string file)
    {
        var inv = CultureInfo.InvariantCulture;
        string times = r.Simulated
            ? string.Create(inv, $"digest {r.Digest}, {r.Duration.TotalSeconds:F3} s virtual, {r.WallTime.TotalSeconds:F2} s wall")
            : string.Create(inv, $"{r.Duration.TotalSeconds:F2} s");
        string line = string.Create(inv,
            $"  trial {r.Index}/{trials} {r.SeedText}: {(r.Check.Passed ? "pass" : "FAIL " + r.Check.Problem)} — {r.Check.Requests} {spec.Unit}, {r.DeviceFailures} device failures, {r.KicksDropped} kicks / {r.IrqsDropped} IRQs dropped, {times}");
        return r.Check.Passed ? line : $"{line}\n    replay: {ReplayCommand(r, file)}";
    }

    /// <summary>A trial's line in a cluster run: the worker that ran it after its counts (before a replay line).</summary>
    private static string OnWorker(string line, Akka.Actor.Address worker)
    {
        int newline = line.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? $"{line} [{worker}]" : $"{line[..newline]} [{worker}]{line[newline..]}";
    }

    /// <summary>The one command that reruns exactly this trial (in simulation: the same digest).</summary>
    internal static string ReplayCommand(TrialResult r, string file) =>
        r.ScheduleSeed is { } k
            ? string.Create(CultureInfo.InvariantCulture, $"lguest-actors experiment {file} --trial-seed {r.Seed} --schedule-seed {k}")
            : string.Create(CultureInfo.InvariantCulture, $"lguest-actors experiment {file} --trial-seed {r.Seed} --realtime");

    /// <summary>config/akka.hocon if it can be found (the dispatchers), quiet: the report is the output.</summary>
    private static (Config Config, LguestSettings? Settings) AkkaConfig(HostEnvironment env)
    {
        var quiet = ConfigurationFactory.ParseString("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR\nakka.log-dead-letters = off");
        string? path = AkkaConfigFile.Locate(env.SearchRoots);
        if (path is null)
        {
            return (quiet, null);
        }
        (Config? config, LguestSettings? settings, _) = AkkaConfigFile.Load(path);
        return config is null ? (quiet, null) : (quiet.WithFallback(config), settings);
    }

    private static int? Int(string? s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;

    private static async Task<int> UsageError(HostEnvironment env, string message)
    {
        await env.Error.WriteLineAsync($"lguest-actors experiment: {message}").ConfigureAwait(false);
        await env.Error.WriteAsync(UsageText).ConfigureAwait(false);
        return ExitCodes.Usage;
    }
}
