using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using Microsoft.Win32.SafeHandles;

namespace LguestActors.BlockBench;

/// <summary>
/// The block device benchmark, in one run: makes a disk file, boots the sample kernel with
/// run=blkbench on it (the actors, the interpreter, config/akka.hocon's dispatchers), collects its
/// "blkbench:" lines — sequential 64 KiB write and read at queue depth 1 and 32, random 4 KiB reads
/// at depth 1 and 32 — then times the host reading the same file the same way and prints the ratios.
///
///   dotnet run --project bench/BlockBench -c Release                 64 MiB disk, 32 MiB per sequential pass
///   dotnet run --project bench/BlockBench -c Release -- --mb 8       a quick run
/// </summary>
internal static partial class Program
{
    [GeneratedRegex(@"blkbench: (\S+) qd=(\d+) bs=(\d+) ops=(\d+) bytes=(\d+) us=(\d+) KiB/s=(\d+) iops=(\d+) errors=(\d+)")]
    private static partial Regex BenchLine();

    private static async Task<int> Main(string[] args)
    {
        int mb = 32;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--mb" && i + 1 < args.Length)
            {
                mb = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
        }
        string root = FindRoot();
        string disk = Path.Combine(Path.GetTempPath(), $"blockbench-{Environment.ProcessId}.img");
        long diskBytes = 2L * mb << 20;
        var fill = new byte[1 << 20];
        new Random(1).NextBytes(fill);
        await using (var f = File.Create(disk))
        {
            for (long at = 0; at < diskBytes; at += fill.Length)
            {
                await f.WriteAsync(fill);
            }
        }
        try
        {
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
            Console.WriteLine($"disk: {disk}, {diskBytes >> 20} MiB (page cache warm after creation); guest passes: {mb} MiB sequential, {mb / 4} MiB random");
            var guest = await RunGuestAsync(root, disk, mb);
            if (guest is null)
            {
                return 1;
            }
            Console.WriteLine();
            Console.WriteLine($"{"test",-14} {"qd",3} {"guest",14} {"host",14} {"guest/host",10}");
            foreach (var g in guest)
            {
                var host = Host(disk, g.Name, g.QueueDepth, g.BlockSize, g.Bytes);
                string unit = g.Name.StartsWith("rand", StringComparison.Ordinal) ? "IOPS" : "MiB/s";
                double gv = unit == "IOPS" ? g.Iops : g.MibPerSecond;
                double hv = unit == "IOPS" ? host.Iops : host.MibPerSecond;
                Console.WriteLine($"{g.Name,-14} {g.QueueDepth,3} {gv,9:F1} {unit,-5}{hv,9:F1} {unit,-5}{gv / hv,10:P1}");
            }
            return 0;
        }
        finally
        {
            File.Delete(disk);
        }
    }

    private sealed record Result(string Name, int QueueDepth, int BlockSize, long Bytes, double Seconds)
    {
        public double MibPerSecond => Bytes / Seconds / (1 << 20);

        public double Iops => Bytes / BlockSize / Seconds;
    }

    private static async Task<List<Result>?> RunGuestAsync(string root, string disk, int mb)
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(root, "config", "akka.hocon")));
        using var system = ActorSystem.Create("blockbench", config);
        var console = new InMemoryConsoleBackend();
        using var backend = FileBlockBackend.Open(disk, readOnly: false);
        var vm = new VmConfig("bench", 64UL << 20, File.ReadAllBytes(Path.Combine(root, "guest", "prebuilt", "kernel.elf")),
            $"run=blkbench mb={mb}", [new ConsoleConfig(console), new BlockDeviceConfig(backend)])
        {
            Machine = MachineSettings.FromConfig(config), // the vCPU's slice and dispatcher, the ring size, as the host runs them
        };
        var running = VmLauncher.Launch(system, vm);
        var exited = await running.Exited.WaitAsync(TimeSpan.FromMinutes(20));
        await system.Terminate();
        string output = console.Output;
        Console.Write(output.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (!exited.Reason.StartsWith("blkbench: PASS", StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"the guest did not pass: {exited}");
            return null;
        }
        return BenchLine().Matches(output).Select(m => new Result(
            m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture) / 1e6)).ToList();
    }

    /// <summary>The host doing the same on the same file: positional reads/writes, <paramref name="depth"/> at once.</summary>
    private static Result Host(string disk, string name, int depth, int blockSize, long bytes)
    {
        bool write = name.Contains("write", StringComparison.Ordinal);
        bool random = name.StartsWith("rand", StringComparison.Ordinal);
        using SafeFileHandle handle = File.OpenHandle(disk, FileMode.Open, write ? FileAccess.ReadWrite : FileAccess.Read);
        long units = RandomAccess.GetLength(handle) / blockSize;
        long ops = bytes / blockSize;
        long next = -1;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, depth).Select(w => Task.Run(() =>
        {
            var buffer = new byte[blockSize];
            var rng = new Random(w);
            long op;
            while ((op = Interlocked.Increment(ref next)) < ops)
            {
                long unit = random ? rng.NextInt64(units) : op % units;
                if (write)
                {
                    RandomAccess.Write(handle, buffer, unit * blockSize);
                }
                else
                {
                    RandomAccess.Read(handle, buffer, unit * blockSize);
                }
            }
        })).ToArray();
        Task.WaitAll(workers);
        if (write)
        {
            using var fs = new FileStream(handle, FileAccess.ReadWrite, 0);
            fs.Flush(flushToDisk: true);
        }
        return new Result(name, depth, blockSize, bytes, sw.Elapsed.TotalSeconds);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LguestActors.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("run from inside the LguestActors source tree");
    }
}
