using System.Diagnostics;
using Xunit.Abstractions;

namespace LguestActors.Cpu.Tests.Guest;

/// <summary>
/// The host C toolchain, for tests that rebuild guest images or the flag oracle. Without it
/// such a test returns early with a message, unless LGUEST_REQUIRE_TOOLCHAIN=1 (CI), where a
/// missing toolchain is a failure.
/// </summary>
internal static class Toolchain
{
    private static readonly Lazy<bool> LazyGcc = new(() => Works("gcc", "--version"));
    private static readonly Lazy<bool> LazyGcc32 = new(() => LazyGcc.Value && Works("gcc", "-m32 -print-libgcc-file-name") && CanCompile32());

    public static bool Required => Environment.GetEnvironmentVariable("LGUEST_REQUIRE_TOOLCHAIN") == "1";

    /// <summary>A native (x86-64) gcc.</summary>
    public static bool HasGcc => LazyGcc.Value;

    /// <summary>gcc -m32 with a 32-bit libgcc (Debian's gcc-multilib).</summary>
    public static bool HasGcc32 => LazyGcc32.Value;

    /// <summary>
    /// True when the test may go on; false (after writing why) when it should return early.
    /// Throws when the toolchain is required and missing.
    /// </summary>
    public static bool Available(bool present, string what, ITestOutputHelper output)
    {
        if (present)
        {
            return true;
        }

        string message = $"{what} is not available on this machine";
        Assert.False(Required, $"{message}, and LGUEST_REQUIRE_TOOLCHAIN=1 requires it");
        output.WriteLine($"SKIPPED: {message} (set LGUEST_REQUIRE_TOOLCHAIN=1 to make this a failure)");
        return false;
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}{Environment.NewLine}{Stdout}{Environment.NewLine}{Stderr}";
    }

    public static Result Run(string file, string arguments, string? workingDirectory = null, int timeoutMs = 300_000)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish in {timeoutMs} ms");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static bool Works(string file, string arguments)
    {
        try
        {
            return Run(file, arguments, timeoutMs: 30_000).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static bool CanCompile32()
    {
        // -print-libgcc-file-name succeeds even without multilib; compiling against the 32-bit headers does not.
        string dir = Directory.CreateTempSubdirectory("lguest-gcc32-").FullName;
        try
        {
            string source = Path.Combine(dir, "t.c");
            File.WriteAllText(source, "#include <stdint.h>\nuint64_t f(uint64_t a, uint64_t b) { return a / b; }\n");
            return Run("gcc", $"-m32 -c -o t.o {source}", dir, 60_000).ExitCode == 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
