using System.Diagnostics;
using LguestActors.Host.Configuration;

namespace LguestActors.Host.Tests.Hosting;

// The built program, as a user runs it: `dotnet lguest-actors.dll ...`.
public sealed class ExecutableTests
{
    internal static string HostDll()
    {
        // The host's own output folder (same configuration as this test), so its runtimeconfig is there.
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0/
        string root = Path.GetDirectoryName(RepositoryFiles.Find([AppContext.BaseDirectory], RepositoryFiles.SolutionFile)
            ?? throw new InvalidOperationException("not run from the source tree"))!;
        string dll = Path.Combine(root, "src", "Host", "bin", configuration, "net10.0", "lguest-actors.dll");
        Assert.True(File.Exists(dll), $"build the host first: {dll} is missing");
        return dll;
    }

    private static Task<(int Code, string Out, string Error)> RunAsync(params string[] args) => RunWithInputAsync("", args);

    private static async Task<(int Code, string Out, string Error)> RunWithInputAsync(string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostDll());
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        // Read while writing: a host that back-pressures stdin writes output the whole time.
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true); // a hung host must not outlive its test
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Bad_memory_size_is_one_line_on_stderr_and_exit_2()
    {
        (int code, string stdout, string stderr) = await RunAsync("lots", "vmlinux");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("lguest-actors: memory size 'lots' is not a number of MiB (try 'lguest-actors --help')" + Environment.NewLine, stderr);
    }

    [Fact]
    public async Task Unknown_option_is_one_line_on_stderr_and_exit_2()
    {
        (int code, _, string stderr) = await RunAsync("64", "--tunnet=tap0");

        Assert.Equal(2, code);
        Assert.Equal("lguest-actors: option --tunnet is not supported yet (try 'lguest-actors --help')" + Environment.NewLine, stderr);
    }

    [Fact]
    public async Task Missing_kernel_is_one_line_on_stderr_and_exit_1()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-kernel-{Guid.NewGuid():N}.elf");

        (int code, _, string stderr) = await RunAsync("64", missing);

        Assert.Equal(1, code);
        Assert.Equal($"lguest-actors: kernel '{missing}' not found" + Environment.NewLine, stderr);
    }

    [Fact]
    public async Task Help_prints_the_usage_and_exits_0()
    {
        (int code, string stdout, string stderr) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.StartsWith("Usage: lguest-actors [options] <mem-MB> [kernel.elf] [-- kernel arguments...]", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task The_sample_guest_echoes_piped_input_and_powers_off_with_exit_0()
    {
        (int code, string stdout, string stderr) = await RunWithInputAsync("echo hello\npoweroff\n", "64");

        Assert.True(code == 0, $"exit {code}; stderr: {stderr}; stdout: {stdout}");
        Assert.Contains("lguest> echo hello\r\nhello\r\n", stdout, StringComparison.Ordinal);
        Assert.EndsWith("Power down.\r\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guest_that_panics_prints_its_reason_and_exits_1()
    {
        (int code, string stdout, string stderr) = await RunWithInputAsync("echo before\npanic out of cheese\necho never\n", "64");

        Assert.True(code == 1, $"exit {code}; stderr: {stderr}; stdout: {stdout}");
        Assert.EndsWith("lguest> panic out of cheese\r\nKernel panic - not syncing: out of cheese\r\n", stdout, StringComparison.Ordinal);
        Assert.Equal("lguest-actors: the guest panicked: Kernel panic - not syncing: out of cheese\n", stderr);
    }

    [Fact]
    public async Task Kernel_arguments_after_double_dash_reach_the_guest()
    {
        (int code, string stdout, string stderr) = await RunAsync("64", "--", "run=selftest");

        Assert.True(code == 0, $"exit {code}; stderr: {stderr}; stdout: {stdout}");
        Assert.Contains("selftest: PASS", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timings_break_the_start_up_down_phase_by_phase_after_the_run()
    {
        (int code, string stdout, string stderr) = await RunAsync("--timings", "16", "--", "run=selftest");

        Assert.True(code == 0, $"exit {code}; stderr: {stderr}; stdout: {stdout}");
        var table = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SkipWhile(l => l != "lguest-actors: start-up timings (--timings), ms from the process start:").Skip(2).ToList();
        Assert.Equal(
            ["runtime: process start to Main", "host: command line, kernel, config", "host: console", "host: generic host built", "actor system: started", "actor system: /user/vmm",
             "boot: launcher started", "boot: memory", "boot: kernel", "boot: initrd", "boot: boot params", "boot: device page", "boot: page tables",
             "boot: vcpu and interrupts", "boot: devices", "boot: start", "guest: first console byte"],
            table.Select(l => l[2..36].TrimEnd()));
        double[] at = table.Select(l => double.Parse(l[45..54], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(at.Order(), at);
        double[] cpu = table.Select(l => double.Parse(l[63..72], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(cpu.Order(), cpu);
    }

    [Fact]
    public async Task A_fleet_of_sample_guests_reports_the_end_of_every_copy()
    {
        (int code, string stdout, string stderr) = await RunAsync("--fleet=6", "16", "--", "run=selftest");

        Assert.True(code == 0, $"exit {code}; stderr: {stderr}; stdout: {stdout}");
        Assert.Contains("selftest: PASS", stdout, StringComparison.Ordinal); // guest-1's, on the terminal
        var ended = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" ended: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, ended.Count);
        foreach (int i in Enumerable.Range(2, 5))
        {
            Assert.Single(ended, l => l.StartsWith($"lguest-actors: vm guest-{i} ended: ", StringComparison.Ordinal));
        }
    }
    [Theory]
    [InlineData("--engine=compiled")]
    [InlineData("--engine=interpreter")]
    public async Task The_sample_guest_passes_its_selftest_on_either_engine(string engine)
    {
        (int code, string stdout, string stderr) = await RunAsync(engine, "64", "--", "run=selftest");

        Assert.True(code == 0, $"exit {code}; stderr: {stderr}; stdout: {stdout}");
        Assert.True(stdout.Contains("selftest: PASS 7/7", StringComparison.Ordinal), $"stdout: {stdout}; stderr: {stderr}");
    }

    [Theory]
    [InlineData("INT", 130, "lguest-actors: stopped by SIGINT")]
    [InlineData("TERM", 143, "lguest-actors: stopped by SIGTERM")]
    [InlineData("HUP", 129, "lguest-actors: stopped by SIGHUP")]
    public async Task A_stop_signal_to_the_running_host_exits_128_plus_the_signal_with_its_own_line_every_time(string signal, int expectedCode, string expectedLine)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        for (int run = 0; run < 3; run++)
        {
            (int code, string stderr) = await SignalRunningGuestAsync(signal);

            Assert.True(code == expectedCode, $"run {run}: exit {code}, expected {expectedCode}; stderr: {stderr}");
            Assert.Equal(expectedLine + Environment.NewLine, stderr);
        }
    }

    /// <summary>Boots the sample guest with stdin held open, waits for its prompt, sends the signal.</summary>
    private static async Task<(int Code, string Error)> SignalRunningGuestAsync(string signal)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostDll());
        start.ArgumentList.Add("32");
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        var seen = new System.Text.StringBuilder();
        var buffer = new char[256];
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            while (!seen.ToString().Contains("lguest> ", StringComparison.Ordinal))
            {
                int n = await process.StandardOutput.ReadAsync(buffer, timeout.Token);
                Assert.True(n > 0, $"the host ended before its prompt; stdout: {seen}");
                seen.Append(buffer, 0, n);
            }
        }
        using (var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        process.StandardInput.Close();
        return (process.ExitCode, await stderr);
    }

    /// <summary>One line on stderr, nothing on stdout: the shape of every refusal.</summary>
    private static void AssertOneLine(string expectedLine, (int Code, string Out, string Error) run, int expectedCode)
    {
        Assert.True(run.Code == expectedCode, $"exit {run.Code}, expected {expectedCode}; stderr: {run.Error}");
        Assert.Equal("", run.Out);
        Assert.Equal(expectedLine + Environment.NewLine, run.Error);
    }

    [Fact]
    public async Task A_kernel_that_is_a_device_is_one_line_before_anything_starts()
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }
        AssertOneLine("lguest-actors: kernel '/dev/zero' is empty or not a regular file (a device or a pipe); give an i386 ELF kernel image",
            await RunAsync("32", "/dev/zero"), 1);
    }

    [Fact]
    public async Task A_kernel_that_is_a_fifo_is_one_line_and_is_never_opened()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        string fifo = Path.Combine(Path.GetTempPath(), $"lguest-fifo-{Guid.NewGuid():N}");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }
        try
        {
            AssertOneLine($"lguest-actors: kernel '{fifo}' is empty or not a regular file (a device or a pipe); give an i386 ELF kernel image",
                await RunAsync("32", fifo), 1);
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Fact]
    public async Task A_kernel_that_is_not_ELF_is_one_line_before_anything_starts()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lguest-notelf-{Guid.NewGuid():N}.elf");
        await File.WriteAllTextAsync(path, "this is not a kernel\n");
        try
        {
            AssertOneLine($"lguest-actors: kernel '{path}': not an ELF image (missing the \\x7fELF magic)", await RunAsync("32", path), 1);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_100_KB_cmdline_option_is_a_usage_error_before_anything_starts()
    {
        AssertOneLine("lguest-actors: the kernel command line is 102400 bytes; the limit is 2047 (try 'lguest-actors --help')",
            await RunAsync("32", "--cmdline=" + new string('x', 102400)), 2);
    }

    [Fact]
    public async Task An_experiment_file_that_is_a_directory_is_one_line()
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("lguest-exp-dir-");
        try
        {
            AssertOneLine($"lguest-actors: {dir.FullName} is a directory, not an experiment file", await RunAsync("experiment", dir.FullName), 1);
        }
        finally
        {
            dir.Delete();
        }
    }

    [Fact]
    public async Task An_experiment_report_folder_that_cannot_be_written_is_one_line_before_any_trial()
    {
        string spec = Path.Combine(Path.GetTempPath(), $"lguest-exp-{Guid.NewGuid():N}.hocon");
        await File.WriteAllTextAsync(spec, "experiment { workload = console-count, count = 5, trials = 1 }\n");
        string blocker = spec + ".file";
        await File.WriteAllTextAsync(blocker, "");
        try
        {
            var run = await RunAsync("experiment", spec, "--out", blocker);

            Assert.Equal(1, run.Code);
            Assert.Equal($"lguest-actors: cannot write the report to {blocker}: it is a file, not a folder" + Environment.NewLine, run.Error);
        }
        finally
        {
            File.Delete(spec);
            File.Delete(blocker);
        }
    }

    [Fact]
    public async Task Forty_thousand_piped_lines_all_reach_the_guest_in_order_and_it_powers_off()
    {
        // Issue 10's flood: 40,000 'echo' lines (520 KB, eight times the old 64 KiB bound) then poweroff.
        var input = new System.Text.StringBuilder();
        for (int i = 0; i < 40000; i++)
        {
            input.Append(System.Globalization.CultureInfo.InvariantCulture, $"echo {i:D7}\n");
        }
        input.Append("poweroff\n");

        (int code, string stdout, string stderr) = await RunWithInputAsync(input.ToString(), "32");

        Assert.True(code == 0, $"exit {code}; stderr: {stderr}");
        var echoed = System.Text.RegularExpressions.Regex.Matches(stdout, @"^(\d{7})\r?$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(0, 40000), echoed);
        Assert.EndsWith("Power down.\r\n", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }
}
