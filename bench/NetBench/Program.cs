using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Network;

// Guest-to-guest network benchmark: two sample kernels on one NetworkSwitch in this process.
// Guest "b" serves (counts UDP to port 9); guest "a" runs run=blast: COUNT UDP frames of SIZE
// bytes to b, as fast as its transmit ring takes them. Reported: frames that reached b's receive
// buffers per second of host wall time (from a's first frame to the last one in b), and the
// payload throughput of those frames.
// An untimed warm-up blast comes first, so the timed runs measure a warm JIT, not a cold one;
// then each size, both orders (64, 1514, 1514, 64) per round.
//   dotnet run --project bench/NetBench -c Release [-- --count N] [--rounds R] [--warmup N]
int count = Option("--count", 50_000);
int rounds = Option("--rounds", 1);
int warmup = Option("--warmup", 20_000);
string kernelPath = FindKernel();
var kernel = File.ReadAllBytes(kernelPath);
Console.WriteLine($"NetBench: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average {LoadAverage()}");
var results = new Dictionary<int, List<double>>();
if (warmup > 0)
{
    Console.Write("warm-up (untimed) ");
    await RunAsync(64, warmup);
    results.Clear();
}
for (int round = 0; round < rounds; round++)
{
    foreach (int size in new[] { 64, 1514, 1514, 64 })
    {
        await RunAsync(size, count);
    }
}
foreach (var (size, rates) in results.OrderBy(r => r.Key))
{
    var sorted = rates.Order().ToArray();
    // The repository's one percentile (nearest rank): with an even count, the lower middle.
    double median = LguestActors.Actors.Telemetry.Percentile.NearestRank(sorted, 0.5);
    Console.WriteLine($"median of {sorted.Length} timed runs, {size}-byte frames: {median:N0} delivered/s (min {sorted[0]:N0}, max {sorted[^1]:N0})");
}
Console.WriteLine($"load average after: {LoadAverage()}");

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

static string LoadAverage()
{
    try
    {
        return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "unknown";
    }
}

async Task RunAsync(int size, int frames)
{
    using var system = ActorSystem.Create("netbench", "akka.loglevel = WARNING\nakka.stdout-loglevel = ERROR");
    var lan = system.ActorOf(NetworkSwitch.Props("bench"), "lan-bench");
    VmConfig Config(string name, string cmdline, IConsoleBackend console) =>
        new(name, 32UL << 20, kernel, cmdline, [new ConsoleConfig(console), new NetDeviceConfig(MacAddress.FromName(name), new SwitchPortBackend(lan))]);
    var serverConsole = new InMemoryConsoleBackend();
    var server = VmLauncher.Launch(system, Config("b", "ip=10.0.0.2 run=serve", serverConsole));
    await serverConsole.WaitForOutputAsync("serving", TimeSpan.FromSeconds(60));
    var info = await server.Launcher.Ask<VmInfo>(GetVmInfo.Instance, TimeSpan.FromSeconds(10));
    var serverNet = info.Devices[1];

    var clientConsole = new InMemoryConsoleBackend();
    var watch = Stopwatch.StartNew();
    var client = VmLauncher.Launch(system, Config("a", $"ip=10.0.0.1 run=blast target=10.0.0.2 count={frames} size={size}", clientConsole));
    // Time from a's first blast frame: poll b's counters until every frame is in or nothing moves.
    NetStats stats = await serverNet.Ask<NetStats>(GetNetStats.Instance);
    long startFrames = stats.RxFrames;
    while (stats.RxFrames == startFrames)
    {
        await Task.Delay(1);
        stats = await serverNet.Ask<NetStats>(GetNetStats.Instance);
    }
    watch.Restart();
    long first = stats.RxFrames;
    long last = -1;
    var lastChange = Stopwatch.StartNew();
    TimeSpan lastAt = TimeSpan.Zero;
    while (lastChange.Elapsed < TimeSpan.FromSeconds(2))
    {
        await Task.Delay(5);
        stats = await serverNet.Ask<NetStats>(GetNetStats.Instance);
        if (stats.RxFrames != last)
        {
            last = stats.RxFrames;
            lastAt = watch.Elapsed;
            lastChange.Restart();
        }
    }
    var exited = await client.Exited.WaitAsync(TimeSpan.FromSeconds(60));
    double seconds = lastAt.TotalSeconds;
    long delivered = stats.RxFrames - first;
    if (!results.TryGetValue(size, out var list))
    {
        results[size] = list = [];
    }
    list.Add(delivered / seconds);
    // a's own figure: "blast: DONE N frames of S bytes to T in U us".
    var words = exited.Reason.Split(' ');
    int inAt = Array.IndexOf(words, "in");
    string sendRate = inAt > 0 && inAt + 1 < words.Length && double.TryParse(words[inAt + 1], CultureInfo.InvariantCulture, out double us) && us > 0
        ? $"{frames / (us / 1e6):N0} frames/s" : "?";
    Console.WriteLine($"frames of {size} bytes: sent {frames} ({sendRate}), delivered {stats.RxFrames - startFrames} " +
        $"(dropped at b: no buffer {stats.RxDroppedNoBuffer}, backlog {stats.RxDroppedBacklog}); " +
        $"{delivered / seconds:N0} delivered/s, {delivered * size * 8 / seconds / 1e6:N1} Mbit/s over {seconds:N2} s");
    Console.WriteLine($"  guest a: {exited.Reason}");
    server.Stop("bench over");
    await server.Exited;
}

static string FindKernel()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var path = Path.Combine(dir.FullName, "guest", "prebuilt", "kernel.elf");
        if (File.Exists(path))
        {
            return path;
        }
    }
    throw new FileNotFoundException("guest/prebuilt/kernel.elf not found above " + AppContext.BaseDirectory);
}
