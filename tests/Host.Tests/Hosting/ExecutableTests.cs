using System.Diagnostics;
using LguestActors.Host.Configuration;

namespace LguestActors.Host.Tests.Hosting;

// The built program, as a user runs it: `dotnet lguest-actors.dll ...`.
public sealed class ExecutableTests
{
    private static string HostDll()
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
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
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
    public async Task Kernel_arguments_after_double_dash_reach_the_guest()
    {
        (int code, string stdout, string stderr) = await RunAsync("64", "--", "run=selftest");

        Assert.True(code == 0, $"exit {code}; stderr: {stderr}; stdout: {stdout}");
        Assert.Contains("selftest: PASS", stdout, StringComparison.Ordinal);
    }
}
