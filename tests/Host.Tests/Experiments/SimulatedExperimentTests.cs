using System.Diagnostics;
using System.Text.RegularExpressions;
using LguestActors.Host.Configuration;
using LguestActors.Host.Tests.Hosting;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Experiments;

/// <summary>Experiments in simulation: a trial replays from its seeds, in this process and in another.</summary>
public sealed partial class SimulatedExperimentTests : IDisposable
{
    private const string CrashHeavyBlock = """
        experiment {
          name = replay
          workload = block-write-verify
          count = 2048
          trials = 2
          seed = 5
          trial-timeout = 60s
          supervision { max-restarts = 100000, within = 1m, watchdog-interval = 20ms, watchdog-timeout = 5s }
          faults {
            devices = [blk0]
            crash { every-n-requests = 1, points = [all] }
            kill-probability = 0.05
            kicks { drop = 0.05, duplicate = 0.02, delay = 0.02, delay-by = 2ms }
            irqs  { drop = 0.05, duplicate = 0.02, delay = 0.02, delay-by = 2ms }
          }
        }
        """;

    private readonly HostHarness _host = new();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-sim-experiment-");

    public void Dispose()
    {
        _host.Dispose();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task A_crash_heavy_trial_rerun_from_its_seeds_prints_the_same_digest_and_the_same_failure_counts()
    {
        string spec = WriteSpec(CrashHeavyBlock);

        var first = await TrialLineAsync(spec, "--trial-seed", "777", "--schedule-seed", "3");
        var again = await TrialLineAsync(spec, "--trial-seed", "777", "--schedule-seed", "3");

        Assert.Equal(first, again);
        Assert.Matches(TrialLine(), first);
        var m = TrialLine().Match(first);
        Assert.True(int.Parse(m.Groups["failures"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 20, first);
    }

    [Fact]
    public async Task The_rng_workload_under_crashes_answers_every_request_once_with_its_own_bytes_and_replays()
    {
        string spec = WriteSpec("""
            experiment {
              workload = rng-count, count = 60, trials = 1
              supervision { max-restarts = 100000, within = 1m, watchdog-interval = 20ms, watchdog-timeout = 2s }
              faults { devices = [rng0], crash { every-n-requests = 1, points = [all] } }
            }
            """);

        var first = await TrialLineAsync(spec, "--trial-seed", "41", "--schedule-seed", "2");
        var again = await TrialLineAsync(spec, "--trial-seed", "41", "--schedule-seed", "2");

        Assert.Contains(": pass — 60 requests", first, StringComparison.Ordinal);
        Assert.True(int.Parse(TrialLine().Match(first).Groups["failures"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 60, first);
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task Schedules_run_each_trial_under_several_schedule_seeds_and_every_one_keeps_the_invariants()
    {
        string spec = WriteSpec(CrashHeavyBlock);
        string outDir = Path.Combine(_dir.FullName, "report");

        int code = await _host.RunAsync(Program.LauncherProps, "experiment", spec, "--trials", "1", "--schedules", "3", "--out", outDir);

        string stderr = _host.Error.ToString();
        Assert.True(code == 0, stderr);
        Assert.Contains("3/3 trials passed", stderr);
        Assert.Contains("lost 0, duplicated 0, out of order 0, guest-visible errors 0", stderr);
        var digests = TrialLine().Matches(stderr).Select(m => m.Groups["digest"].Value).ToList();
        Assert.Equal(3, digests.Count);
        Assert.True(digests.Distinct().Count() > 1, "three schedules, one interleaving: " + stderr);
        var rows = File.ReadAllLines(Path.Combine(outDir, "trials.csv")).Skip(1).ToList();
        Assert.Equal(digests, rows.Select(r => r.Split(',')[16]));
        Assert.Contains("| engine | simulation", File.ReadAllText(Path.Combine(outDir, "report.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_trial_names_the_one_command_that_replays_it_and_that_command_prints_the_same_digest()
    {
        // A trial timeout no guest can meet: every trial fails, and says how to replay it. The
        // second trial's replay runs it alone (as trial 1 of 1): the digest must not care.
        string spec = WriteSpec(CrashHeavyBlock.Replace("trial-timeout = 60s", "trial-timeout = 1ms", StringComparison.Ordinal));
        string outDir = Path.Combine(_dir.FullName, "failing");

        Assert.Equal(1, await _host.RunAsync(Program.LauncherProps, "experiment", spec, "--trials", "2", "--out", outDir));
        string stderr = _host.Error.ToString();
        var replay = ReplayLine().Matches(stderr)[1];
        Assert.True(replay.Success, stderr);
        string digest = TrialLine().Matches(stderr)[1].Groups["digest"].Value;
        Assert.Contains(replay.Groups["command"].Value, File.ReadAllText(Path.Combine(outDir, "report.md")), StringComparison.Ordinal);

        var args = replay.Groups["command"].Value.Split(' ').Skip(1).ToArray(); // without the program name
        string line = await TrialLineAsync(spec, args[2..]);
        Assert.Equal(digest, TrialLine().Match(line).Groups["digest"].Value);
    }

    [Fact]
    public async Task A_trial_seed_run_in_two_separate_processes_prints_the_same_digest()
    {
        // Separate processes: string hashes, actor UIDs and thread ids all differ between them.
        string spec = WriteSpec(CrashHeavyBlock);

        var first = await RunProcessAsync("experiment", spec, "--trial-seed", "4242", "--out", Path.Combine(_dir.FullName, "p1"));
        var second = await RunProcessAsync("experiment", spec, "--trial-seed", "4242", "--out", Path.Combine(_dir.FullName, "p2"));

        var a = TrialLine().Match(first);
        var b = TrialLine().Match(second);
        Assert.True(a.Success, first);
        Assert.Equal(a.Groups["digest"].Value, b.Groups["digest"].Value);
        Assert.Equal(a.Groups["failures"].Value, b.Groups["failures"].Value);
        Assert.Equal(a.Groups["virtual"].Value, b.Groups["virtual"].Value);
    }

    [Fact]
    public async Task Realtime_runs_the_trials_on_the_multi_threaded_engine_with_no_digest()
    {
        string spec = WriteSpec("experiment { workload = console-count, count = 30, trials = 1, faults.crash.every-n-requests = 3 }");

        int code = await _host.RunAsync(Program.LauncherProps, "experiment", spec, "--realtime", "--out", Path.Combine(_dir.FullName, "rt"));

        string stderr = _host.Error.ToString();
        Assert.True(code == 0, stderr);
        Assert.Contains("real time", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("digest", stderr, StringComparison.Ordinal);
        Assert.Equal(2, await _host.RunAsync(Program.LauncherProps, "experiment", spec, "--realtime", "--schedules", "2"));
    }

    private string WriteSpec(string body)
    {
        string path = Path.Combine(_dir.FullName, "spec.hocon");
        File.WriteAllText(path, body);
        _host.SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root];
        return path;
    }

    /// <summary>Runs one trial in this process and returns its progress line.</summary>
    private async Task<string> TrialLineAsync(string spec, params string[] args)
    {
        using var host = new HostHarness { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };
        int code = await host.RunAsync(Program.LauncherProps, ["experiment", spec, .. args, "--out", Path.Combine(_dir.FullName, "t" + Guid.NewGuid().ToString("N"))]);
        string stderr = host.Error.ToString();
        var line = TrialLine().Match(stderr);
        Assert.True(line.Success && code is 0 or 1, stderr);
        return line.Value;
    }

    private static async Task<string> RunProcessAsync(params string[] args)
    {
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        string root = Path.GetDirectoryName(RepositoryFiles.Find([AppContext.BaseDirectory], RepositoryFiles.SolutionFile)!)!;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(root, "src", "Host", "bin", configuration, "net10.0", "lguest-actors.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        await stdout;
        return await stderr;
    }

    [GeneratedRegex(@"trial \d+/\d+ seed \d+ schedule \d+: \S+.*?(?<failures>\d+) device failures.*?digest (?<digest>[0-9a-f]{16}), (?<virtual>[0-9.]+) s virtual")]
    private static partial Regex TrialLine();

    [GeneratedRegex(@"replay: (?<command>lguest-actors experiment \S+ --trial-seed \d+ --schedule-seed \d+)")]
    private static partial Regex ReplayLine();
}
