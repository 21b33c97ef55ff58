using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using LguestActors.Cpu;
using LguestActors.Cpu.Loader;

namespace LguestActors.Bench;

/// <summary>
/// The CPU benchmark, in one run: builds guest/bench/bench.c natively (gcc -O2, x86-64), times
/// it, runs the same source's i386 image (guest/prebuilt/bench.elf) on each engine — the
/// interpreter and the compiled engine — checks every run computed the native checksum, and
/// prints side by side guest MIPS, the native/engine ratio and, for the compiled engine, what
/// it compiled and how long that took. Then the kernel-shaped case (<see cref="KernelShapedGuest"/>):
/// the decoded-block cache's slow path, identity-mapped and mapped at 0xC0000000 like Linux.
///
///   dotnet run --project bench/InterpreterBench -c Release                   both, full size (the reported figures)
///   dotnet run --project bench/InterpreterBench -c Release -- --scale 20     a quick run
///   dotnet run --project bench/InterpreterBench -c Release -- --only kernel  the kernel-shaped case alone
///   ... -- --engines compiled                                                one engine (interpreter, compiled, or both)
///   ... -- --techniques                                                      also the compiled engine with each technique off
///   ... -- --rounds 2                                                        every engine (variant) that many times, alternating
/// Wall and process CPU time are both reported: on a shared machine the CPU seconds (this
/// process's, the native child's) carry the comparison when neighbours take the cores.
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
        CpuEngine[] engines = [CpuEngine.Interpreter, CpuEngine.Compiled];
        var compiler = new CompilerOptions();
        bool techniques = false;
        int rounds = 1;
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
                case "--rounds" when i + 1 < args.Length:
                    rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--techniques":
                    techniques = true;
                    break;
                case "--threshold" when i + 1 < args.Length:
                    compiler = compiler with { Threshold = int.Parse(args[++i], CultureInfo.InvariantCulture) };
                    break;
                case "--engines" when i + 1 < args.Length && args[i + 1] is "interpreter" or "compiled" or "both":
                    string which = args[++i];
                    engines = which == "both" ? [CpuEngine.Interpreter, CpuEngine.Compiled] : [Enum.Parse<CpuEngine>(which, ignoreCase: true)];
                    break;
                default:
                    Console.Error.WriteLine("usage: InterpreterBench [--scale N] [--native-runs N] [--only integer|kernel] [--engines interpreter|compiled|both] [--threshold N] [--techniques] [--rounds N] [--kernel-functions N] [--kernel-rounds N] [--kernel-repeats N]");
                    return 2;
            }
        }

        Console.WriteLine($"machine:        {CpuModel()}, {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"runtime:        .NET {Environment.Version}, {RuntimeInformation.ProcessArchitecture}");
        var variants = engines.Select(e => (e.ToString(), e, compiler)).ToList();
        if (techniques && engines.Contains(CpuEngine.Compiled))
        {
            // Each technique switched off alone, in the same run: what it gives is the difference.
            variants.Add(("no chaining", CpuEngine.Compiled, compiler with { ChainRegions = false }));
            variants.Add(("all flags", CpuEngine.Compiled, compiler with { FlagLiveness = false }));
        }
        var alternated = Enumerable.Range(0, Math.Max(1, rounds)).SelectMany(_ => variants).ToList();
        int status = only == "kernel" ? 0 : IntegerBench(root, scale, fullScale, nativeRuns, alternated);
        if (status == 0 && only != "integer")
        {
            foreach (CpuEngine engine in engines)
            {
                KernelShapedBench(kernelFunctions, kernelRounds, kernelRepeats, engine, compiler);
            }
        }

        return status;
    }

    /// <summary>The kernel-shaped case, identity-mapped and high-mapped alternately; best of the repeats.</summary>
    private static void KernelShapedBench(int functions, int rounds, int repeats, CpuEngine engine, CompilerOptions compiler)
    {
        Console.WriteLine($"kernel-shaped:  {functions} functions x {rounds} rounds, one TLB flush per round; best of {repeats}; {engine}");
        var best = new double[2];
        for (int r = 0; r < repeats; r++)
        {
            for (int v = 0; v < 2; v++)
            {
                (ulong n, TimeSpan t) = KernelShapedGuest.Run(highMapped: v == 1, functions, rounds, engine, compiler);
                double mips = n / t.TotalSeconds / 1e6;
                best[v] = Math.Max(best[v], mips);
                Console.WriteLine($"  {(v == 0 ? "identity-mapped" : "high-mapped    ")} run {r + 1}: {t.TotalSeconds:F3} s, {n:N0} instructions, {mips:F1} MIPS");
            }
        }

        Console.WriteLine($"identity MIPS:  {best[0]:F1}");
        Console.WriteLine($"high MIPS:      {best[1]:F1} (linear 0x{KernelShapedGuest.PageOffset:x8} + physical)");
        Console.WriteLine($"high/identity:  {best[1] / best[0]:F2}");
    }

    private static int IntegerBench(string root, uint scale, uint fullScale, int nativeRuns, List<(string Name, CpuEngine Engine, CompilerOptions Compiler)> variants)
    {
        CompilerOptions compiler = variants[0].Compiler;
        string benchSource = Path.Combine(root, "guest", "bench");
        Console.WriteLine($"compiler:       threshold {compiler.Threshold}, regions of at most {compiler.MaxRegionBlocks} blocks / {compiler.MaxRegionInstructions} instructions");
        Console.WriteLine($"work size:      scale {scale}{(scale == fullScale ? " (full)" : $" (full is {fullScale}: not the reported figure)")}");

        // 1. Native: the same C, x86-64, gcc -O2, best of a few runs.
        string outDir = Path.Combine(root, "bench", "out");
        Directory.CreateDirectory(outDir);
        string native = Path.Combine(outDir, "bench-native");
        Run("gcc", $"-O2 -std=gnu11 -o {native} {Path.Combine(benchSource, "bench.c")} {Path.Combine(benchSource, "native_main.c")}");
        double nativeSeconds = double.MaxValue;
        double nativeCpu = double.MaxValue;
        string nativeChecksum = "";
        for (int i = 0; i < nativeRuns; i++)
        {
            (string text, TimeSpan cpu) = RunTimed(native, scale.ToString(CultureInfo.InvariantCulture));
            nativeChecksum = ChecksumLine().Match(text).Groups[2].Value;
            nativeSeconds = Math.Min(nativeSeconds, double.Parse(NativeSeconds().Match(text).Groups[1].Value, CultureInfo.InvariantCulture));
            nativeCpu = Math.Min(nativeCpu, cpu.TotalSeconds);
        }

        Console.WriteLine($"native:         {nativeSeconds:F3} s (best of {nativeRuns}; process CPU {nativeCpu:F3} s), checksum {nativeChecksum}");

        // 2. Each engine: the prebuilt i386 image, work size passed on the kernel command line.
        byte[] image = File.ReadAllBytes(Path.Combine(root, "guest", "prebuilt", "bench.elf"));
        var rows = new List<string>();
        foreach ((string name, CpuEngine engine, CompilerOptions variant) in variants)
        {
            var options = new StandaloneOptions { CommandLine = $"scale={scale}", InstructionLimit = long.MaxValue, Slice = 1_000_000, Engine = engine, Compiler = variant };
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var result = StandaloneGuest.Run(image, options);
            clock.Stop();
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            if (result.Outcome != StandaloneOutcome.Shutdown)
            {
                Console.Error.WriteLine($"{name} run failed: {result}");
                return 1;
            }

            string guestChecksum = ChecksumLine().Match(result.ConsoleText).Groups[2].Value;
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{name,-12}    {seconds:F3} s, {result.Retired:N0} guest instructions, checksum {guestChecksum}");
            if (guestChecksum.Length == 0 || guestChecksum != nativeChecksum)
            {
                Console.Error.WriteLine($"CHECKSUM MISMATCH: native {nativeChecksum}, {name} '{guestChecksum}'");
                return 1;
            }

            var c = result.Compiled;
            string compiled = engine == CpuEngine.Compiled
                ? $"{c.Regions,7} {c.BlocksCompiled,7} {c.InstructionsCompiled,7} {c.CompileTime.TotalSeconds,9:F3} {c.JitTime.TotalSeconds,7:F3} {c.CompileTime.TotalSeconds / seconds * 100,8:F2}% " +
                  $"{(c.Regions == 0 ? 0 : c.CompileTime.TotalMilliseconds / c.Regions),9:F2} {c.MaxCompileTime.TotalMilliseconds,9:F1} {100.0 * c.Interpreted / result.Retired,9:F3}%"
                : "";
            rows.Add($"{name,-12} {seconds,9:F3} {result.Retired / seconds / 1e6,9:F1} {nativeSeconds / seconds,9:F4} {cpuSeconds,9:F3} {result.Retired / cpuSeconds / 1e6,9:F1} {nativeCpu / cpuSeconds,9:F4} {compiled}");
        }

        Console.WriteLine();
        Console.WriteLine($"{"engine",-12} {"seconds",9} {"MIPS",9} {"ratio",9} {"CPU s",9} {"MIPS/CPU",9} {"ratio/CPU",9} {"regions",7} {"blocks",7} {"instrs",7} {"compile s",9} {"JIT s",7} {"of run",9} {"ms/region",9} {"max ms",9} {"interp'd",10}");
        Console.WriteLine($"{"native",-12} {nativeSeconds,9:F3} {"",9} {1.0,9:F4} {nativeCpu,9:F3} {"",9} {1.0,9:F4}");
        foreach (string row in rows)
        {
            Console.WriteLine(row);
        }

        Console.WriteLine("checksums match");
        return 0;
    }

    private static string Run(string file, string arguments) => RunTimed(file, arguments).Output;

    /// <summary>Runs <paramref name="file"/> to its end: its output and the CPU time it used.</summary>
    private static (string Output, TimeSpan Cpu) RunTimed(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        TimeSpan childrenBefore = ChildrenCpu();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}: {stdout}{stderr.Result}");
        }

        // The child is reaped: its CPU time is in this process's RUSAGE_CHILDREN.
        return (stdout, ChildrenCpu() - childrenBefore);
    }

    /// <summary>User + system CPU time of this process's reaped children (getrusage RUSAGE_CHILDREN; zero where there is none).</summary>
    private static TimeSpan ChildrenCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return TimeSpan.Zero;
        }
        var usage = new long[18]; // struct rusage on 64-bit Linux: two timevals, then 14 longs
        if (GetRusage(-1, usage) != 0)
        {
            return TimeSpan.Zero;
        }
        long micros = usage[0] * 1_000_000 + usage[1] + usage[2] * 1_000_000 + usage[3];
        return TimeSpan.FromMicroseconds(micros);
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);

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
