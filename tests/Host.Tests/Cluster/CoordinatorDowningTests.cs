using LguestActors.Host.Tests.Hosting;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Cluster;

/// <summary>
/// The effect of lguest.cluster.coordinator.akka.cluster.split-brain-resolver (config/akka.hocon):
/// a coordinator whose only worker dies is not downed by the split-brain resolver, so a worker
/// started afterwards (joining through the coordinator) finishes the campaign. Under Akka's
/// default keep-majority the 1-against-1 tie goes to the lowest address — here the dead worker's,
/// by choice of ports — and the coordinator would down itself and fail the campaign.
/// </summary>
public sealed class CoordinatorDowningTests : IDisposable
{
    private const string Campaign = """
        experiment {
          name = coordinator-downing
          workload = console-count
          count = 1500
          trials = 4
          seed = 5
          trial-timeout = 60s
        }
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-downing-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_coordinator_whose_only_worker_dies_is_not_downed_and_a_later_worker_finishes_the_campaign()
    {
        string spec = Path.Combine(_dir.FullName, "campaign.hocon");
        await File.WriteAllTextAsync(spec, Campaign);

        // The worker's address sorts below the coordinator's: the tie-break of plain keep-majority
        // would keep the dead worker's side.
        int a = NodeProcess.FreePort(), b = NodeProcess.FreePort();
        (int workerPort, int coordinatorPort) = a < b ? (a, b) : (b, a);
        using var only = NodeProcess.Start(workerPort, $"akka.tcp://lguest@localhost:{workerPort}", "--parallel", "1");
        await only.WaitForAsync("up as a worker");

        using var coordinator = new HostHarness { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };
        string outDir = Path.Combine(_dir.FullName, "cluster");
        var run = coordinator.RunAsync(Program.LauncherProps, "experiment", spec, "--cluster", only.Address,
            "--port", coordinatorPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", outDir);
        await only.WaitForAsync("): started");
        only.Kill();

        // The split-brain resolver acts once the dead worker has been unreachable for stable-after
        // (20 s): the coordinator removes it (or, under plain keep-majority, is removed itself).
        // Removal shows as MemberRemoved ("left the cluster") or, when the watch of the worker's
        // actor fires first, as its Terminated ("stopped"): a cluster's remote watch fires only
        // once the member is removed, never while it is merely unreachable.
        string[] removed = [$"worker {only.Address} left the cluster", $"worker {only.Address} stopped"];
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!removed.Any(line => ErrorText(coordinator).Contains(line, StringComparison.Ordinal)))
        {
            Assert.False(run.IsCompleted, $"the campaign ended before the dead worker was downed:\n{ErrorText(coordinator)}");
            Assert.True(DateTime.UtcNow < until, $"the dead worker was never downed:\n{ErrorText(coordinator)}");
            await Task.Delay(100);
        }

        using var later = NodeProcess.Start(NodeProcess.FreePort(), $"akka.tcp://lguest@localhost:{coordinatorPort}", "--parallel", "2");
        int code = await run.WaitAsync(TimeSpan.FromMinutes(4));

        string stderr = coordinator.Error.ToString();
        Assert.True(code == 0, stderr);
        Assert.Contains("4/4 trials passed", stderr, StringComparison.Ordinal);
        Assert.Contains($"worker {later.Address} joined the campaign", stderr, StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(outDir, "trials.csv")).Length - 1);
    }

    /// <summary>The coordinator's stderr while it is still being written (a StringBuilder read mid-append may throw: read again).</summary>
    private static string ErrorText(HostHarness host)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return host.Error.ToString();
            }
            catch (ArgumentOutOfRangeException) when (attempt < 10)
            {
            }
        }
    }
}
