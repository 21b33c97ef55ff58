using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using LguestActors.Cpu.Loader;

namespace LguestActors.Bench;

/// <summary>
/// The interpreter benchmark, in one run: builds guest/bench/bench.c natively (gcc -O2, x86-64),
/// times it, runs the same source's i386 image (guest/prebuilt/bench.elf) on the interpreter,
/// checks both computed the same checksum, and prints guest MIPS and the native/interpreted ratio.
/// Then the kernel-shaped case (<see cref="KernelShapedGuest"/>): the decoded-block cache's slow
/// path, identity-mapped and mapped at 0xC0000000 like Linux.
///
///   dotnet run --project bench/InterpreterBench -c Release                   both, full size (the reported figures)
///   dotnet run --project bench/InterpreterBench -c Release -- --scale 20     a quick run
///   dotnet run --project bench/InterpreterBench -c Release -- --only kernel  the kernel-shaped case alone
/// </summary>
internal static partial class Program
{
    [GeneratedRegex(@"bench: scale (\d+) checksum (0x[0-9a-f]{8})")]
    private static partial Regex ChecksumLine();

    [GeneratedRegex(@"native-seconds ([0-9.]+)")]
    private static partial Regex NativeSeconds();

    [GeneratedRegex(@"#define BENCH_DEFAULT_SCALE (\d+)u")]
    private static partial Regex DefaultScale();

    private static int Main(string[] args)
    {
        string root = FindRoot();
        uint fullScale = uint.Parse(DefaultScale().Match(File.ReadAllText(Path.Combine(root, "guest", "bench", "bench.h"))).Groups[1].Value, CultureInfo.InvariantCulture);
        uint scale = fullScale;
        int nativeRuns = 3;
        string only = "";
        int kernelFunctions = 4096;
        int kernelRounds = 5000;
        int kernelRepeats = 2;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--scale" when i + 1 < args.Length:
                    scale = uint.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--native-runs" when i + 1 < args.Length:
                    nativeRuns = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--only" when i + 1 < args.Length && args[i + 1] is "integer" or "kernel":
                    only = args[++i];
                    break;
                case "--kernel-functions" when i + 1 < args.Length:
                    kernelFunctions = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--kernel-rounds" when i + 1 < args.Length:
                    kernelRounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--kernel-repeats" when i + 1 < args.Length:
                    kernelRepeats = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine("usage: InterpreterBench [--scale N] [--native-runs N] [--only integer|kernel] [--kernel-functions N] [--kernel-rounds N] [--kernel-repeats N]");
                    return 2;
            }
        }

        Console.WriteLine($"machine:        {CpuModel()}, {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"runtime:        .NET {Environment.Version}, {RuntimeInformation.ProcessArchitecture}");
        int status = only == "kernel" ? 0 : IntegerBench(root, scale, fullScale, nativeRuns);
        if (status == 0 && only != "integer")
        {
            KernelShapedBench(kernelFunctions, kernelRounds, kernelRepeats);
        }

        return status;
    }

    /// <summary>The kernel-shaped case, identity-mapped and high-mapped alternately; best of the repeats.</summary>
    private static void KernelShapedBench(int functions, int rounds, int repeats)
    {
        Console.WriteLine($"kernel-shaped:  {functions} functions x {rounds} rounds, one TLB flush per round; best of {repeats}");
        var best = new double[2];
        for (int r = 0; r < repeats; r++)
        {
            for (int v = 0; v < 2; v++)
            {
                (ulong n, TimeSpan t) = KernelShapedGuest.Run(highMapped: v == 1, functions, rounds);
                double mips = n / t.TotalSeconds / 1e6;
                best[v] = Math.Max(best[v], mips);
                Console.WriteLine($"  {(v == 0 ? "identity-mapped" : "high-mapped    ")} run {r + 1}: {t.TotalSeconds:F3} s, {n:N0} instructions, {mips:F1} MIPS");
            }
        }

        Console.WriteLine($"identity MIPS:  {best[0]:F1}");
        Console.WriteLine($"high MIPS:      {best[1]:F1} (linear 0x{KernelShapedGuest.PageOffset:x8} + physical)");
        Console.WriteLine($"high/identity:  {best[1] / best[0]:F2}");
    }

    private static int IntegerBench(string root, uint scale, uint fullScale, int nativeRuns)
    {
        string benchSource = Path.Combine(root, "guest", "bench");
        Console.WriteLine($"work size:      scale {scale}{(scale == fullScale ? " (full)" : $" (full is {fullScale}: not the reported figure)")}");

        // 1. Native: the same C, x86-64, gcc -O2, best of a few runs.
        string outDir = Path.Combine(root, "bench", "out");
        Directory.CreateDirectory(outDir);
        string native = Path.Combine(outDir, "bench-native");
        Run("gcc", $"-O2 -std=gnu11 -o {native} {Path.Combine(benchSource, "bench.c")} {Path.Combine(benchSource, "native_main.c")}");
        double nativeSeconds = double.MaxValue;
        string nativeChecksum = "";
        for (int i = 0; i < nativeRuns; i++)
        {
            string text = Run(native, scale.ToString(CultureInfo.InvariantCulture));
            nativeChecksum = ChecksumLine().Match(text).Groups[2].Value;
            nativeSeconds = Math.Min(nativeSeconds, double.Parse(NativeSeconds().Match(text).Groups[1].Value, CultureInfo.InvariantCulture));
        }

        Console.WriteLine($"native:         {nativeSeconds:F3} s (best of {nativeRuns}), checksum {nativeChecksum}");

        // 2. Interpreted: the prebuilt i386 image, work size passed on the kernel command line.
        byte[] image = File.ReadAllBytes(Path.Combine(root, "guest", "prebuilt", "bench.elf"));
        var options = new StandaloneOptions { CommandLine = $"scale={scale}", InstructionLimit = long.MaxValue, Slice = 1_000_000 };
        var clock = Stopwatch.StartNew();
        var result = StandaloneGuest.Run(image, options);
        clock.Stop();
        if (result.Outcome != StandaloneOutcome.Shutdown)
        {
            Console.Error.WriteLine($"interpreted run failed: {result}");
            return 1;
        }

        string guestChecksum = ChecksumLine().Match(result.ConsoleText).Groups[2].Value;
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"interpreted:    {seconds:F3} s, checksum {guestChecksum}");
        Console.WriteLine($"retired:        {result.Retired:N0} guest instructions");
        Console.WriteLine($"guest MIPS:     {result.Retired / seconds / 1e6:F1}");
        Console.WriteLine($"native/interp:  {nativeSeconds / seconds:F5} (the interpreter is {seconds / nativeSeconds:F0}x slower)");

        if (guestChecksum.Length == 0 || guestChecksum != nativeChecksum)
        {
            Console.Error.WriteLine($"CHECKSUM MISMATCH: native {nativeChecksum}, guest '{guestChecksum}'");
            return 1;
        }

        Console.WriteLine("checksums match");
        return 0;
    }

    private static string Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}: {stdout}{stderr.Result}");
        }

        return stdout;
    }

    private static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private static string FindRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "LguestActors.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("run from inside the LguestActors repository");
    }
}
