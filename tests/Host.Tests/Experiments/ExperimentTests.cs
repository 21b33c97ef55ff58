using LguestActors.Actors.Launcher;
using LguestActors.Host.Experiments;
using LguestActors.Host.Tests.Hosting;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Experiments;

public sealed class ExperimentTests : IDisposable
{
    private readonly HostHarness _host = new();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-experiment-");

    public void Dispose()
    {
        _host.Dispose();
        _dir.Delete(recursive: true);
    }

    private string WriteSpec(string body)
    {
        string path = Path.Combine(_dir.FullName, "spec.hocon");
        File.WriteAllText(path, body);
        _host.SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root];
        return path;
    }

    /// <summary>
    /// The end-to-end experiment (console workload: block is not merged yet): hundreds of device
    /// crashes at every point of the request path, plus Kills and lost, late and doubled kicks and
    /// IRQs, and the guest's console output still comes out complete, in order, exactly once.
    /// </summary>
    [Fact]
    public async Task Hundreds_of_console_crashes_lose_nothing_repeat_nothing_and_the_guest_sees_no_error()
    {
        string spec = WriteSpec("""
            experiment {
              name = e2e
              workload = console-count
              count = 150
              trials = 2
              seed = 20
              trial-timeout = 120s
              supervision { max-restarts = 100000, within = 1m, watchdog-interval = 20ms, watchdog-timeout = 2s }
              faults {
                crash { every-n-requests = 1, points = [all] }
                kill-probability = 0.02
                kicks { drop = 0.05, duplicate = 0.02, delay = 0.02, delay-by = 2ms }
                irqs  { drop = 0.05, duplicate = 0.02, delay = 0.02, delay-by = 2ms }
              }
            }
            """);
        string outDir = Path.Combine(_dir.FullName, "report");

        int code = await _host.RunAsync(Program.LauncherProps, "experiment", spec, "--out", outDir).WaitAsync(TimeSpan.FromMinutes(4));

        string stderr = _host.Error.ToString();
        Assert.True(code == 0, stderr);
        Assert.Contains("2/2 trials passed", stderr);
        Assert.Contains("lost 0, duplicated 0, out of order 0, guest-visible errors 0", stderr);
        var csv = File.ReadAllLines(Path.Combine(outDir, "trials.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2, csv.Count);
        Assert.True(csv.Sum(r => long.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture)) >= 300, "at least 300 crashes injected");
        Assert.Contains("trial 1/2 seed", stderr);
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("| trials passed | **2 / 2** |", report);
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(outDir, "recovery.svg")), StringComparison.Ordinal);
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(outDir, "throughput.svg")), StringComparison.Ordinal);
    }

    /// <summary>
    /// The end-to-end block experiment: a few hundred block-device crashes (one per request, at a
    /// random point: after take, before the I/O, after it, before and after the used publish),
    /// Kills and lost kicks and IRQs, during a guest write of a seeded pattern and a second boot
    /// that verifies it; the host then checks the disk. Nothing lost, nothing twice, no error.
    /// </summary>
    [Fact]
    public async Task Hundreds_of_block_crashes_during_write_and_verify_lose_nothing_and_the_guest_sees_no_error()
    {
        string spec = WriteSpec("""
            experiment {
              name = e2e-block
              workload = block-write-verify
              count = 16384
              trials = 2
              seed = 21
              trial-timeout = 180s
              supervision { max-restarts = 100000, within = 1m, watchdog-interval = 20ms, watchdog-timeout = 5s }
              faults {
                devices = [blk0]
                crash { every-n-requests = 1, points = [all] }
                kill-probability = 0.01
                kicks { drop = 0.02, duplicate = 0.01, delay = 0.01, delay-by = 2ms }
                irqs  { drop = 0.02, duplicate = 0.01, delay = 0.01, delay-by = 2ms }
              }
            }
            """);
        string outDir = Path.Combine(_dir.FullName, "block-report");

        int code = await _host.RunAsync(Program.LauncherProps, "experiment", spec, "--out", outDir).WaitAsync(TimeSpan.FromMinutes(6));

        string stderr = _host.Error.ToString();
        Assert.True(code == 0, stderr);
        Assert.Contains("2/2 trials passed", stderr);
        Assert.Contains("lost 0, duplicated 0, out of order 0, guest-visible errors 0", stderr);
        var csv = File.ReadAllLines(Path.Combine(outDir, "trials.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        long failures = csv.Sum(r => long.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(failures >= 200, $"only {failures} block-device failures injected");
    }

    [Fact]
    public void The_shipped_config_injects_no_faults_and_gives_devices_ten_restarts_a_minute_and_a_watchdog()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "akka.hocon")));
        var (plan, supervision) = HostFaults.Read(config);
        Assert.False(plan.IsActive);
        Assert.Equal(new Actors.Supervision.DeviceSupervision(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)), supervision);
    }

    [Fact]
    public void The_count_check_finds_lost_duplicated_and_reordered_lines_and_a_wrong_end()
    {
        var powerOff = new VmExited("t", Actors.Protocol.GuestExitKind.PowerOff, "count: done 4");
        Assert.True(ConsoleCountWorkload.Check(4, "boot\ncount 1\r\ncount 2\r\ncount 3\r\ncount 4\r\n", powerOff).Passed);

        var c = ConsoleCountWorkload.Check(4, "count 1\ncount 3\ncount 2\ncount 3\n", powerOff);
        Assert.Equal((1, 1, 1), (c.Lost, c.Duplicated, c.OutOfOrder));

        var hung = ConsoleCountWorkload.Check(1, "count 1\n", null);
        Assert.Equal(1, hung.GuestErrors);
        Assert.False(hung.Passed);
    }

    [Fact]
    public async Task A_single_trial_reruns_from_its_seed_and_a_bad_file_is_one_line()
    {
        string spec = WriteSpec("experiment { workload = console-count, count = 20, trials = 5, faults.crash.every-n-requests = 3 }");

        int code = await _host.RunAsync(Program.LauncherProps, "experiment", spec, "--trial-seed", "12345", "--out", Path.Combine(_dir.FullName, "one"));
        Assert.Equal(0, code);
        Assert.Contains("trial 1/1 seed 12345 schedule 1: pass", _host.Error.ToString());

        File.WriteAllText(spec, "experiment { workload = nonsense }");
        Assert.Equal(1, await _host.RunAsync(Program.LauncherProps, "experiment", spec));
        Assert.Contains("workload 'nonsense'", _host.Error.ToString());
        Assert.Equal(2, await _host.RunAsync(Program.LauncherProps, "experiment"));
    }
}
