using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Supervision;

namespace LguestActors.Bench.Density;

/// <summary>
/// One N, in this process: an actor system with config/akka.hocon (as the host runs), a warm-up VM
/// booted and stopped (so the JIT and the code loaded are in the baseline, not in the per-VM
/// figure), then N VMs launched at once (VmLauncher, the real launcher), each to its prompt.
/// </summary>
internal static class OneRun
{
    public sealed record Result(int Vms, double BootAllSeconds, long BaselineRssBytes, long RssBytes, long GuestBytes, double IdleCpuPerSecond, double StopAllSeconds, int Unmapped)
    {
        /// <summary>Resident memory per VM that is not the guest's own touched pages.</summary>
        public double HostOverheadBytesPerVm => (RssBytes - BaselineRssBytes - GuestBytes) / (double)Vms;

        public string ToLine() => string.Create(CultureInfo.InvariantCulture,
            $"result {Vms} {BootAllSeconds:R} {BaselineRssBytes} {RssBytes} {GuestBytes} {IdleCpuPerSecond:R} {StopAllSeconds:R} {Unmapped}");

        public static Result? Parse(string line)
        {
            string[] f = line.Trim().Split(' ');
            if (f.Length != 9 || f[0] != "result")
            {
                return null;
            }
            var c = CultureInfo.InvariantCulture;
            return new Result(int.Parse(f[1], c), double.Parse(f[2], c), long.Parse(f[3], c), long.Parse(f[4], c), long.Parse(f[5], c),
                double.Parse(f[6], c), double.Parse(f[7], c), int.Parse(f[8], c));
        }
    }

    public static async Task<Result> RunAsync(int count, int megabytes, int idleSeconds, bool watchdog)
    {
        string root = FindRoot();
        Config config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(root, "config", "akka.hocon")));
        var supervision = DeviceSupervision.FromConfig(config.GetConfig(DeviceSupervision.ConfigPath));
        if (!watchdog)
        {
            supervision = supervision with { WatchdogInterval = TimeSpan.Zero };
        }
        byte[] kernel = File.ReadAllBytes(Path.Combine(root, "guest", "prebuilt", "kernel.elf"));
        ulong bytes = (ulong)megabytes << 20;
        using var system = ActorSystem.Create("density", config);

        var machine = MachineSettings.FromConfig(config); // the vCPU's dispatcher and slice, as the host runs them
        if (count > config.GetInt("lguest.vcpu.pinned-up-to"))
        {
            // As the host does (LguestSettings.MachineFor): a fleet's vCPUs share the pool.
            machine = machine with { VcpuDispatcher = config.GetString("lguest.vcpu.fleet-dispatcher") };
        }
        VmConfig Vm(string name, IConsoleBackend console) => new(name, bytes, kernel, "", [new ConsoleConfig(console)]) { Supervision = supervision, Machine = machine };

        // Warm-up: one VM to its prompt and stopped.
        var warm = new PromptConsole();
        var warmVm = VmLauncher.Launch(system, Vm("warm-up", warm));
        await warm.Prompt.WaitAsync(TimeSpan.FromMinutes(2));
        warmVm.Stop("warm-up done");
        await warmVm.Exited;
        await Task.Delay(500);
        long baseline = SettledRss();

        var consoles = new PromptConsole[count];
        var vms = new RunningVm[count];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            consoles[i] = new PromptConsole();
            vms[i] = VmLauncher.Launch(system, Vm($"d{i}", consoles[i]));
        }
        await Task.WhenAll(consoles.Select(c => c.Prompt)).WaitAsync(TimeSpan.FromHours(1));
        double bootAll = clock.Elapsed.TotalSeconds;

        // Settle: the last transmit interrupts are served and the watchdogs' one-off re-raise is done.
        await Task.Delay(3000);
        long rss = SettledRss();
        long guest = 0;
        var memories = new List<Cpu.Memory.GuestMemory>(count);
        foreach (var vm in vms)
        {
            var info = await vm.Launcher.Ask<VmInfo>(GetVmInfo.Instance, TimeSpan.FromSeconds(30));
            guest += info.Memory.ResidentBytes;
            memories.Add(info.Memory);
        }

        using var self = Process.GetCurrentProcess();
        self.Refresh();
        TimeSpan cpu0 = self.TotalProcessorTime;
        var idle = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
        self.Refresh();
        double cpuPerSecond = (self.TotalProcessorTime - cpu0).TotalSeconds / idle.Elapsed.TotalSeconds;

        clock.Restart();
        foreach (var vm in vms)
        {
            vm.Stop("bench done");
        }
        await Task.WhenAll(vms.Select(v => v.Exited)).WaitAsync(TimeSpan.FromHours(1));
        // Stopped = every VM reported its end and its launcher has stopped and unmapped the guest's
        // memory (a disposed GuestMemory has size 0); at most a minute more for that.
        var deadline = Stopwatch.StartNew();
        while (memories.Any(m => m.Size != 0) && deadline.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(20);
        }
        double stopAll = clock.Elapsed.TotalSeconds;
        int unmapped = memories.Count(m => m.Size == 0);
        return new Result(count, bootAll, baseline, rss, guest, cpuPerSecond, stopAll, unmapped);
    }

    /// <summary>VmRSS after a full blocking GC: what the process holds, not garbage waiting for a collection.</summary>
    private static long SettledRss()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
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
        throw new InvalidOperationException("run DensityBench from inside the repository (LguestActors.sln not found above it)");
    }

    /// <summary>A console that keeps nothing and completes <see cref="Prompt"/> when the shell's prompt has been written.</summary>
    private sealed class PromptConsole : IConsoleBackend
    {
        private static readonly byte[] PromptBytes = "lguest> "u8.ToArray();
        private readonly TaskCompletionSource _prompt = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _matched;

        public Task Prompt => _prompt.Task;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            foreach (byte b in bytes)
            {
                _matched = b == PromptBytes[_matched] ? _matched + 1 : b == PromptBytes[0] ? 1 : 0;
                if (_matched == PromptBytes.Length)
                {
                    _prompt.TrySetResult();
                    _matched = 0;
                }
            }
        }

        public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
        {
        }
    }
}
