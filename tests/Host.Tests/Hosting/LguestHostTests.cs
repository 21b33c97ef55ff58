using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Host.Vmm;

namespace LguestActors.Host.Tests.Hosting;

// The whole host in-process: the real actor system start, coordinated shutdown and VmmRoot, a fake launcher.
public sealed class LguestHostTests : IDisposable
{
    private readonly HostHarness _host = new();
    private readonly LauncherLog _launcher = new();

    public void Dispose() => _host.Dispose();

    private VmPropsFactory Reporting(GuestExitKind? kind, string reason = "") =>
        (config, listener) => ScriptedLauncher.Props(config, listener, kind, reason, _launcher);

    [Fact]
    public async Task Guest_that_powers_off_exits_0_silently_after_its_console_output()
    {
        int code = await _host.RunAsync(Reporting(GuestExitKind.PowerOff, "Power down"), "64", _host.KernelPath);

        Assert.Equal(0, code);
        Assert.Equal("guest says hello\n", _host.ConsoleOutput);
        Assert.Equal("", _host.Error.ToString());
        Assert.Equal("", _host.Out.ToString());
    }

    [Fact]
    public async Task Launcher_gets_the_vm_config_from_the_command_line()
    {
        await _host.RunAsync(Reporting(GuestExitKind.PowerOff), "16", _host.KernelPath, "--", "console=hvc0", "quiet");

        VmConfig config = await _launcher.Started.Task;
        Assert.Equal("guest", config.Name);
        Assert.Equal(16UL << 20, config.MemoryBytes);
        Assert.Equal(HostHarness.KernelImage, config.Kernel.ToArray());
        Assert.Equal("console=hvc0 quiet", config.CommandLine);
        // The terminal behind the host's panic watch (what reaches the terminal: the tests above).
        Assert.IsType<PanicSeenOnConsole>(Assert.IsType<ConsoleConfig>(Assert.Single(config.Devices)).Backend);
        Assert.Equal((byte)3, _host.ConsoleSettings!.ConsoleEscape.Key);
    }

    [Theory]
    [InlineData(GuestExitKind.Restart, 3, "lguest-actors: the guest asked to restart: Restarting system")]
    [InlineData(GuestExitKind.GuestFault, 1, "lguest-actors: guest fault: triple fault at eip 0xc0100000")]
    [InlineData(GuestExitKind.BootFailed, 1, "lguest-actors: boot failed: kernel.elf is not a 32-bit i386 ELF")]
    [InlineData(GuestExitKind.Stopped, 130, "lguest-actors: stopped: Ctrl-C pressed three times")]
    [InlineData(GuestExitKind.Panic, 1, "lguest-actors: the guest panicked: Kernel panic, not syncing (Attempted to kill init)")]
    public async Task How_the_guest_ended_is_the_exit_code_and_one_line_on_stderr(GuestExitKind kind, int expectedCode, string expectedLine)
    {
        string reason = expectedLine[(expectedLine.LastIndexOf(": ", StringComparison.Ordinal) + 2)..];

        int code = await _host.RunAsync(Reporting(kind, reason), "64", _host.KernelPath);

        Assert.Equal(expectedCode, code);
        Assert.Equal([expectedLine], _host.ErrorLines);
    }

    [Fact]
    public async Task The_vm_has_stopped_and_the_console_is_disposed_before_the_host_returns()
    {
        await _host.RunAsync(Reporting(GuestExitKind.PowerOff), "64", _host.KernelPath);

        Assert.True(_launcher.Stopped.Task.IsCompleted, "the launcher was still running when the host returned");
        Assert.Equal(1, _host.Console.Disposals);
        Assert.False(_host.Signals.Registered, "the signal handlers outlived the host");
    }

    [Theory]
    [InlineData(2, 130, "lguest-actors: stopped by SIGINT")]
    [InlineData(15, 143, "lguest-actors: stopped by SIGTERM")]
    [InlineData(1, 129, "lguest-actors: stopped by SIGHUP")]
    public async Task A_stop_signal_stops_the_vm_gracefully_and_exits_128_plus_the_signal(int signalNumber, int expectedCode, string expectedLine)
    {
        var signal = (StopSignal)signalNumber;
        Task<int> run = _host.RunAsync(Reporting(kind: null), "64", _host.KernelPath);
        await _launcher.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        _host.Signals.Raise(signal);
        int code = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(expectedCode, code);
        Assert.True(_launcher.Stopped.Task.IsCompleted, "the VM was not stopped");
        Assert.Equal(1, _host.Console.Disposals);
        Assert.Equal([expectedLine], _host.ErrorLines);
    }

    [Fact]
    public async Task A_real_sighup_to_the_process_stops_the_vm_gracefully()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        _host.RealSignals = new PosixStopSignals();
        Task<int> run = _host.RunAsync(Reporting(kind: null), "64", _host.KernelPath);
        await _launcher.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using (var kill = System.Diagnostics.Process.Start("kill", ["-HUP", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        int code = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(129, code);
        Assert.True(_launcher.Stopped.Task.IsCompleted, "the VM was not stopped");
        Assert.Equal(["lguest-actors: stopped by SIGHUP"], _host.ErrorLines);
    }

    [Fact]
    public async Task The_console_escape_stops_the_vm_gracefully_and_exits_130()
    {
        Task<int> run = _host.RunAsync(Reporting(kind: null), "64", _host.KernelPath);
        await _launcher.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        _host.StopFromConsole!();
        int code = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, code);
        Assert.True(_launcher.Stopped.Task.IsCompleted, "the VM was not stopped");
        Assert.Equal(["lguest-actors: stopped from the console (escape key)"], _host.ErrorLines);
    }

    [Fact]
    public async Task Console_input_reaches_the_guest_and_its_output_reaches_stdout()
    {
        using var host = new HostHarness(stdin: "hello, guest\n"u8.ToArray());

        int code = await host.RunAsync(
            (config, listener) => Akka.Actor.Props.Create(() => new ShoutingLauncher(config, listener)), "64", host.KernelPath);

        Assert.Equal(0, code);
        Assert.Equal("HELLO, GUEST\n", host.ConsoleOutput);
    }

    [Fact]
    public async Task A_launcher_that_throws_is_stopped_not_restarted_and_exits_1_with_why()
    {
        int starts = 0;
        int code = await _host.RunAsync(
            (_, _) =>
            {
                Interlocked.Increment(ref starts);
                return Akka.Actor.Props.Create(() => new CrashingLauncher());
            },
            "64", _host.KernelPath);

        Assert.Equal(1, code);
        Assert.Equal(1, starts);
        // Akka logs the failure too: one line with the actor and the cause, no stack trace.
        Assert.Contains(_host.ErrorLines, line => line.StartsWith("lguest-actors: error: ", StringComparison.Ordinal)
            && line.EndsWith("[akka://lguest/user/vmm/vm-guest] device page does not fit (InvalidOperationException: device page does not fit)", StringComparison.Ordinal));
        Assert.All(_host.ErrorLines, line => Assert.DoesNotContain(" at ", line, StringComparison.Ordinal));
        Assert.Contains("lguest-actors: the launcher failed: InvalidOperationException: device page does not fit", _host.ErrorLines);
        Assert.Equal(1, _host.Console.Disposals);
    }

    [Fact]
    public async Task Usage_errors_exit_2_with_one_line_and_never_start_a_vm()
    {
        int code = await _host.RunAsync(Reporting(GuestExitKind.PowerOff), "lots");

        Assert.Equal(2, code);
        Assert.Equal(["lguest-actors: memory size 'lots' is not a number of MiB (try 'lguest-actors --help')"], _host.ErrorLines);
        Assert.False(_launcher.Started.Task.IsCompleted);
        Assert.Equal(0, _host.Console.Disposals);
    }

    [Fact]
    public async Task A_missing_kernel_exits_1_with_one_line()
    {
        string missing = Path.Combine(Path.GetDirectoryName(_host.KernelPath)!, "nope.elf");

        int code = await _host.RunAsync(Reporting(GuestExitKind.PowerOff), "64", missing);

        Assert.Equal(1, code);
        Assert.Equal([$"lguest-actors: kernel '{missing}' not found"], _host.ErrorLines);
        Assert.False(_launcher.Started.Task.IsCompleted);
    }

    [Fact]
    public async Task No_kernel_and_no_sample_guest_exits_1_with_one_line()
    {
        // Search only a folder that has the config but no sample guest, outside any source tree.
        var roots = Directory.CreateTempSubdirectory("lguest-no-sample-");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "akka.hocon"), Path.Combine(roots.FullName, "akka.hocon"));
        _host.SearchRoots = [roots.FullName];

        int code;
        try
        {
            code = await _host.RunAsync(Reporting(GuestExitKind.PowerOff), "64");
        }
        finally
        {
            roots.Delete(recursive: true);
        }

        Assert.Equal(1, code);
        string line = Assert.Single(_host.ErrorLines);
        Assert.StartsWith("lguest-actors: no kernel given and the sample guest guest/prebuilt/kernel.elf is not built", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_config_file_exits_1_with_one_line()
    {
        _host.SearchRoots = [Path.GetDirectoryName(_host.KernelPath)!];

        int code = await _host.RunAsync(Reporting(GuestExitKind.PowerOff), "64", _host.KernelPath);

        Assert.Equal(1, code);
        Assert.Equal(
            ["lguest-actors: cannot find akka.hocon (looked beside the program and in the source tree's config/akka.hocon)"],
            _host.ErrorLines);
    }

    [Fact]
    public async Task A_console_that_cannot_open_exits_1_with_one_line()
    {
        var env = new HostEnvironment(_host.Out, _host.Error, [AppContext.BaseDirectory], Reporting(GuestExitKind.PowerOff),
            (_, _) => throw new IOException("not a terminal"), _host.Signals);

        int code = await LguestHost.RunAsync(["64", _host.KernelPath], env);

        Assert.Equal(1, code);
        Assert.Equal(["lguest-actors: cannot open the console: not a terminal"], _host.ErrorLines);
    }

    [Fact]
    public async Task A_launcher_factory_that_throws_is_one_line_not_a_stack_trace_or_a_hang()
    {
        int code = await _host.RunAsync((_, _) => throw new NotSupportedException("boom"), "64", _host.KernelPath);

        Assert.Equal(1, code);
        Assert.Equal(["lguest-actors: the launcher failed: NotSupportedException: boom"], _host.ErrorLines);
    }

    [Fact]
    public async Task Help_and_version_go_to_stdout_and_exit_0()
    {
        Assert.Equal(0, await _host.RunAsync(Reporting(GuestExitKind.PowerOff), "--help"));
        Assert.StartsWith("Usage: lguest-actors [options] <mem-MB> [kernel.elf] [-- kernel arguments...]", _host.Out.ToString(), StringComparison.Ordinal);

        using var second = new HostHarness();
        Assert.Equal(0, await second.RunAsync(Reporting(GuestExitKind.PowerOff), "--version"));
        Assert.StartsWith("lguest-actors ", second.Out.ToString(), StringComparison.Ordinal);
        Assert.Equal("", _host.Error.ToString() + second.Error.ToString());
    }
}
