using System.Text;
using System.Text.RegularExpressions;
using LguestActors.Host.Tests.Hosting;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Simulation;

/// <summary>The host on the simulation engine: --simulate with a console script, --record and --replay.</summary>
public sealed partial class SimulatedHostTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-sim-host-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_scripted_session_runs_in_simulation_and_the_same_seed_gives_the_same_transcript_and_digest()
    {
        string script = File(_dir, "script.txt", "@1s\necho hello\n@+500ms\nuptime\npoweroff\n");

        var first = await RunAsync(null, "--simulate=5", "--input", script, "32");
        var again = await RunAsync(null, "--simulate=5", "--input", script, "32");

        Assert.True(first.Code == 0, first.Error);
        Assert.Contains("lguest> echo hello\r\nhello\r\n", first.Console, StringComparison.Ordinal);
        Assert.Matches(@"up 1\.(49\d|50\d) s", first.Console); // typed at 1.5 s of virtual time
        Assert.EndsWith("Power down.\r\n", first.Console, StringComparison.Ordinal);
        Assert.Equal(first.Console, again.Console);
        Assert.Equal(Digest(first.Error), Digest(again.Error));
        Assert.Matches(@"simulation seed 5: digest [0-9a-f]{16} \(\d+ messages, \d+ guest events\), 1\.5\d+ s virtual", first.Error);
    }

    [Fact]
    public async Task A_recorded_session_replays_to_the_same_transcript_and_digest()
    {
        string recording = Path.Combine(_dir.FullName, "session.rec");

        var recorded = await RunAsync("echo recorded\nuptime\npoweroff\n", "--record", recording, "32");
        var replayed = await RunAsync(null, "--replay", recording);

        Assert.True(recorded.Code == 0, recorded.Error);
        Assert.Contains("lguest> echo recorded\r\nrecorded\r\n", recorded.Console, StringComparison.Ordinal);
        Assert.Contains("recorded 1 input(s)", recorded.Error, StringComparison.Ordinal);
        Assert.True(replayed.Code == 0, replayed.Error);
        Assert.Equal(recorded.Console, replayed.Console);
        Assert.Equal(Digest(recorded.Error), Digest(replayed.Error));
        Assert.Contains($"replay: digest {Digest(recorded.Error)} matches the recording", replayed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replay_that_does_not_end_as_recorded_says_so_and_exits_1()
    {
        string recording = Path.Combine(_dir.FullName, "session.rec");
        await RunAsync("echo one\npoweroff\n", "--record", recording, "32");
        string text = System.IO.File.ReadAllText(recording);
        System.IO.File.WriteAllText(recording, Regex.Replace(text, "end (\\d+) [0-9a-f]{16}", "end $1 0123456789abcdef"));

        var replayed = await RunAsync(null, "--replay", recording);

        Assert.Equal(1, replayed.Code);
        Assert.Contains("differs from the recording's 0123456789abcdef", replayed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guest_that_never_powers_off_ends_at_the_virtual_time_limit()
    {
        string script = File(_dir, "busy.txt", "spin 10\n"); // busy past the limit: never idle
        var run = await RunAsync(null, "--simulate", "--time-limit=3s", "--input", script, "32");

        Assert.Equal(1, run.Code);
        Assert.Contains("the guest did not end within the virtual time limit of 3 s (--time-limit)", run.Error, StringComparison.Ordinal);
        Assert.Matches(@"3\.0\d+ s virtual", run.Error);
    }

    [Fact]
    public async Task A_guest_idle_with_nothing_left_to_wake_it_ends_the_run_at_once_and_says_so()
    {
        var run = await RunAsync(null, "--simulate", "--time-limit=3600s", "32");

        Assert.Equal(1, run.Code);
        Assert.Contains("lguest> ", run.Console, StringComparison.Ordinal);
        Assert.Matches(@"the guest is waiting with nothing left to wake it \(halted, no clock event armed, no more input\) at 0\.\d+ s virtual", run.Error);
    }

    [Fact]
    public async Task A_signal_stops_a_simulated_run_with_its_exit_code_and_the_digest_is_still_printed()
    {
        using var host = new HostHarness { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };
        // A simulated run drives its world on the calling thread: start it on another. The guest
        // stays busy (an idle one would end the run at once: nothing could wake it).
        string script = File(_dir, "busy.txt", "spin 100000\n");
        var run = Task.Run(() => host.RunAsync(Program.LauncherProps, "--simulate", "--time-limit=1000000s", "--input", script, "32"));
        Assert.True(SpinWait.SpinUntil(() => host.Signals.Registered, TimeSpan.FromMinutes(1)), "the host never listened for signals");

        host.Signals.Raise(StopSignal.Terminate);
        int code = await run.WaitAsync(TimeSpan.FromMinutes(3));

        string stderr = host.Error.ToString();
        Assert.Equal(143, code);
        Assert.Contains("lguest-actors: stopped by SIGTERM", stderr, StringComparison.Ordinal);
        Assert.Matches("simulation seed 1: digest [0-9a-f]{16}", stderr);
    }

    [Theory]
    [InlineData("--input FILE is the console input of a simulated run: add --simulate", "--input", "x.txt", "32")]
    [InlineData("--replay FILE takes the whole command line from the recording: give it alone", "--replay", "x.rec", "32")]
    [InlineData("--simulate=abc: the seed is a whole number from 0 to 18446744073709551615", "--simulate=abc", "32")]
    [InlineData("--time-limit=soon: expected a positive duration of virtual time, like 30s or 500ms (units s, ms, us, ns)", "--simulate", "--time-limit=soon", "32")]
    [InlineData("--net=tap:tap9 in a simulation needs --record FILE: frames from the host are inputs, and only a recording makes the run reproducible (--replay FILE reruns it without the interface)", "--simulate", "--net=tap:tap9", "32")]
    public async Task Simulation_options_that_do_not_fit_are_one_line(string line, params string[] args)
    {
        var run = await RunAsync(null, args);

        Assert.Equal(2, run.Code);
        Assert.Contains($"lguest-actors: {line}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_recording_is_one_line_naming_it()
    {
        string bad = File(_dir, "bad.rec", "hello\n");

        var run = await RunAsync(null, "--replay", bad);

        Assert.Equal(1, run.Code);
        Assert.Equal($"lguest-actors: {bad}: not a recording (its first line is not 'lguest-actors recording 1')", run.Error.Trim());
    }

    private static string File(DirectoryInfo dir, string name, string text)
    {
        string path = Path.Combine(dir.FullName, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Console, string Error)> RunAsync(string? stdin, params string[] args)
    {
        using var host = new HostHarness(stdin is null ? null : Encoding.ASCII.GetBytes(stdin)) { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };
        int code = await host.RunAsync(Program.LauncherProps, args).WaitAsync(TimeSpan.FromMinutes(3));
        return (code, host.ConsoleOutput, host.Error.ToString());
    }

    private static string Digest(string stderr) => DigestLine().Match(stderr).Groups[1].Value;

    [GeneratedRegex("digest ([0-9a-f]{16})")]
    private static partial Regex DigestLine();
}
