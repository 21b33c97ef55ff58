using System.Text.RegularExpressions;
using LguestActors.Host.Tests.Hosting;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Cluster;

/// <summary>
/// Campaigns across machines, on loopback: two worker processes and a coordinator (this process)
/// form a three-node cluster; one worker is killed in the middle of the campaign.
/// </summary>
public sealed partial class ClusterCampaignTests : IDisposable
{
    // Trials of about a second each on a loaded 2-core machine: long enough that a worker killed
    // right after it started one dies with it in flight.
    private const string Campaign = """
        experiment {
          name = cluster-campaign
          workload = console-count
          count = 1500
          trials = 6
          seed = 3
          trial-timeout = 60s
          supervision { max-restarts = 100000, within = 1m, watchdog-interval = 20ms, watchdog-timeout = 2s }
          faults {
            crash { every-n-requests = 4, points = [all] }
            kicks { drop = 0.02 }
            irqs { drop = 0.02 }
          }
        }
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-cluster-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_worker_killed_mid_campaign_loses_no_trial_counts_none_twice_and_the_report_equals_a_local_run()
    {
        string spec = Path.Combine(_dir.FullName, "campaign.hocon");
        await File.WriteAllTextAsync(spec, Campaign);

        // The reference: the same campaign run locally.
        using var local = new HostHarness { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };
        Assert.Equal(0, await local.RunAsync(Program.LauncherProps, "experiment", spec, "--out", Path.Combine(_dir.FullName, "local")));
        var expected = Rows(Path.Combine(_dir.FullName, "local"));
        Assert.Equal(6, expected.Count);

        int seedPort = NodeProcess.FreePort();
        using var seed = NodeProcess.Start(seedPort, $"akka.tcp://lguest@localhost:{seedPort}", "--parallel", "1");
        await seed.WaitForAsync("up as a worker");
        using var doomed = NodeProcess.Start(NodeProcess.FreePort(), seed.Address, "--parallel", "1");
        await doomed.WaitForAsync("up as a worker");

        using var coordinator = new HostHarness { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };
        string outDir = Path.Combine(_dir.FullName, "cluster");
        var run = coordinator.RunAsync(Program.LauncherProps, "experiment", spec, "--cluster", seed.Address, "--out", outDir);
        await doomed.WaitForAsync("): started");
        doomed.Kill();
        int code = await run.WaitAsync(TimeSpan.FromMinutes(4));

        string stderr = coordinator.Error.ToString();
        Assert.True(code == 0, stderr);
        Assert.Contains("6/6 trials passed", stderr, StringComparison.Ordinal);
        // The trial the killed worker had started went back in the queue and was run by the other.
        // (On a loaded machine the failure detector may also suspect the live worker for a while;
        // its trials then go back too, and whichever result comes first is the one counted.)
        Assert.Contains(doomed.Address, Requeued().Matches(stderr).Select(m => m.Groups["worker"].Value));
        var started = StartedTrial().Matches(doomed.Error).Select(m => m.Groups["index"].Value);
        var finished = FinishedTrial().Matches(doomed.Error).Select(m => m.Groups["index"].Value);
        var inFlight = started.Except(finished).ToList();
        Assert.NotEmpty(inFlight);
        foreach (string index in inFlight)
        {
            Assert.Matches($@"trial {index}/6 seed \d+ schedule 1: pass .*\[{Regex.Escape(seed.Address)}\]", stderr);
        }

        // Every trial once, with the digest the local run gave it: the same rows.
        var rows = Rows(outDir);
        Assert.Equal(expected.Keys.Order(), rows.Keys);
        Assert.Equal(expected, rows);
        Assert.Equal(6, TrialLine().Matches(stderr).Count);
    }

    /// <summary>trials.csv: trial number → (seed, passed, requests, crashes, ..., digest), without the wall time.</summary>
    private static Dictionary<int, string> Rows(string report) =>
        File.ReadAllLines(Path.Combine(report, "trials.csv")).Skip(1)
            .Select(line => line.Split(','))
            .ToDictionary(f => int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), f => string.Join(',', f[..^1]));

    [GeneratedRegex(@"worker (?<worker>akka\.tcp://\S+) (is unreachable|left the cluster|stopped): its (?<n>\d+) trial\(s\) in flight go back in the queue")]
    private static partial Regex Requeued();

    [GeneratedRegex(@"trial (?<index>\d+) \(seed \d+ schedule \d+\): started")]
    private static partial Regex StartedTrial();

    [GeneratedRegex(@"trial (?<index>\d+) \(seed \d+ schedule \d+\): (pass|FAIL)")]
    private static partial Regex FinishedTrial();

    [GeneratedRegex(@"  trial \d+/6 seed")]
    private static partial Regex TrialLine();
}
