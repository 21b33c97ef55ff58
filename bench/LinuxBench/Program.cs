using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
using LguestActors.Cpu.Lguest;
using LguestActors.Testing;

// LinuxBench: boots the real Linux guest (../shared/linux/vmlinux-3.10) with our initramfs to
// /init and back to power-off, in-process on config/akka.hocon's dispatchers, and reports per boot
// the wall time and this process's CPU time from launch to /init's first line (CPU time is the
// steadier figure on a shared machine), the guest instructions retired by then, the
// SEND_INTERRUPTS hypercalls and the PAUSE-loop exits, in several modes, alternating, so they are
// compared in one run:
//   ple        as shipped: PAUSE-loop exiting on, the TSC on the host's monotonic clock
//   no-ple     PAUSE a plain no-op (no PAUSE-loop exits)
//   instr-tsc  the TSC counting retired instructions, as before it kept time (stands still while halted)
//   xor-hash   as ple, with the decoded-block cache hashing its keys pa ^ la, as before issue 14's item 4
// A boot that has not reached /init after --cap seconds (default 600) is stopped there; it reports
// the instructions it had retired, and every boot its guest instructions per CPU second, so a
// mode too slow to finish still compares with the others.
// Usage: LinuxBench [--kernel vmlinux] [--initrd initramfs.cpio] [--boots N] [--mem MB] [--cap SECONDS]
//                   [--modes ple,no-ple,instr-tsc,xor-hash]
string? kernel = null;
string initrd = Path.Combine(RepoPaths.Root, "guest", "prebuilt", "initramfs.cpio");
int boots = 5;
int megabytes = 64;
double capSeconds = 600;
string[] modes = ["ple", "no-ple", "instr-tsc"];
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--kernel": kernel = args[++i]; break;
        case "--initrd": initrd = args[++i]; break;
        case "--boots": boots = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--mem": megabytes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--modes": modes = args[++i].Split(','); break;
        case "--cap": capSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"LinuxBench: unknown argument {args[i]}; usage: LinuxBench [--kernel vmlinux] [--initrd FILE] [--boots N] [--mem MB] [--cap SECONDS] [--modes ple,no-ple,instr-tsc,xor-hash]");
            return 2;
    }
}
string[] known = ["ple", "no-ple", "instr-tsc", "xor-hash"];
if (modes.FirstOrDefault(m => !known.Contains(m)) is { } unknownMode)
{
    Console.Error.WriteLine($"LinuxBench: --modes: unknown mode {unknownMode}; expected some of {string.Join(",", known)}");
    return 2;
}
kernel ??= FindKernel();
if (kernel is null || !File.Exists(kernel))
{
    Console.Error.WriteLine("LinuxBench: no kernel: pass --kernel, set LGUEST_LINUX_DIR, or keep shared/linux/vmlinux-3.10 above the repository");
    return 1;
}

Console.WriteLine($"LinuxBench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {RuntimeInformation.FrameworkDescription}  {RuntimeInformation.OSDescription}  " +
                  $"{Environment.ProcessorCount} CPUs");
Console.WriteLine($"{Path.GetFileName(kernel)} + {Path.GetFileName(initrd)}, {megabytes} MiB, console=hvc0 init.then=poweroff; {boots} boots of each of {string.Join(", ", modes)}, in turn");
Console.WriteLine();

var config = ConfigurationFactory.ParseString("akka { loglevel = WARNING, stdout-loglevel = ERROR, log-dead-letters = off }")
    .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "akka.hocon"))));
using var system = ActorSystem.Create("linuxbench", config);
byte[] kernelBytes = File.ReadAllBytes(kernel);
byte[] initrdBytes = File.ReadAllBytes(initrd);
var results = new List<Boot>();
Console.WriteLine($"{"mode",-10} {"boot",4} {"to /init ms",12} {"CPU ms",7} {"instr to /init",15} {"M instr/CPU s",14} {"SEND_INTERRUPTS",16} {"PAUSE exits",12} {"to power-off ms",16} {"CPU ms",7}");
for (int b = 0; b < boots; b++)
{
    foreach (string mode in modes)
    {
        var boot = await BootOnce(system, kernelBytes, initrdBytes, megabytes, mode, $"b{b}-{mode}", TimeSpan.FromSeconds(capSeconds));
        results.Add(boot);
        string toInit = boot.ReachedInit ? boot.ToInitMs.ToString("F0", CultureInfo.InvariantCulture) : $">{boot.ToInitMs:F0}";
        string toEnd = boot.ReachedInit ? boot.ToPowerOffMs.ToString("F0", CultureInfo.InvariantCulture) : "stopped";
        Console.WriteLine($"{boot.Mode,-10} {b + 1,4} {toInit,12} {boot.CpuToInitMs,7:F0} {boot.InstructionsToInit,15:N0} {boot.InstructionsPerCpuSecond / 1e6,14:F1} {boot.SendInterrupts,16:N0} {boot.PauseExits,12:N0} {toEnd,16} {boot.CpuToPowerOffMs,7:F0}");
    }
}
Console.WriteLine();
Console.WriteLine("medians (the first boot of each mode, a cold JIT, included):");
foreach (var mode in modes)
{
    var m = results.Where(r => r.Mode == mode).ToList();
    string capped = m.All(r => r.ReachedInit) ? "" : $"  ({m.Count(r => !r.ReachedInit)} of {m.Count} stopped at the {capSeconds:F0} s cap before /init)";
    Console.WriteLine($"  {mode,-10} to /init {Median(m.Select(r => r.ToInitMs)),6:F0} ms ({Median(m.Select(r => r.CpuToInitMs)),5:F0} ms CPU)   {Median(m.Select(r => (double)r.InstructionsToInit)) / 1e6,5:F1} M instructions   " +
                      $"SEND_INTERRUPTS {Median(m.Select(r => (double)r.SendInterrupts)),4:F0}   PAUSE exits {Median(m.Select(r => (double)r.PauseExits)),4:F0}   to power-off {Median(m.Select(r => r.ToPowerOffMs)),6:F0} ms ({Median(m.Select(r => r.CpuToPowerOffMs)),5:F0} ms CPU)   " +
                      $"{Median(m.Select(r => r.InstructionsPerCpuSecond)) / 1e6,6:F1} M instructions per CPU second{capped}");
}
double Ratio(string mode, Func<Boot, double> f) => Median(results.Where(r => r.Mode == mode).Select(f)) / Median(results.Where(r => r.Mode == modes[0]).Select(f));
foreach (var mode in modes.Skip(1))
{
    Console.WriteLine($"  {mode} / {modes[0]}: to /init: time x{Ratio(mode, r => r.ToInitMs):F2}, CPU x{Ratio(mode, r => r.CpuToInitMs):F2}, " +
                      $"instructions x{Ratio(mode, r => r.InstructionsToInit):F2}, instructions per CPU second x{Ratio(mode, r => r.InstructionsPerCpuSecond):F3}; to power-off: time x{Ratio(mode, r => r.ToPowerOffMs):F2}, CPU x{Ratio(mode, r => r.CpuToPowerOffMs):F2}");
}
return 0;

static async Task<Boot> BootOnce(ActorSystem system, byte[] kernel, byte[] initrd, int megabytes, string mode, string name, TimeSpan cap)
{
    var console = new InMemoryConsoleBackend();
    var vcpu = VcpuOptions.Default with
    {
        CpuFactory = memory =>
        {
            var cpu = new InterpreterCpu(memory);
            cpu.Interpreter.PauseLoopExiting = mode != "no-ple";
            cpu.Interpreter.BlockKeyHashing = mode == "xor-hash" ? BlockKeyHashing.Xor : BlockKeyHashing.Mixed;
            return cpu;
        },
        Tsc = mode == "instr-tsc" ? RetiredInstructionTsc.Instance : null,
    };
    var vmConfig = new VmConfig(name, (ulong)megabytes << 20, kernel, "console=hvc0 init.then=poweroff", [new ConsoleConfig(console)])
    {
        Initrd = initrd,
    };
    var clock = Stopwatch.StartNew();
    var process = Process.GetCurrentProcess();
    TimeSpan cpuAtStart = process.TotalProcessorTime;
    var vm = VmLauncher.Launch(system, vmConfig, GuestSupervisorOptions.Default with { Vcpu = vcpu });
    bool reached = true;
    try
    {
        await console.WaitForOutputAsync("init: user space is running", cap);
    }
    catch (TimeoutException)
    {
        reached = false;
    }
    double toInit = clock.Elapsed.TotalMilliseconds;
    process.Refresh();
    double cpuToInit = (process.TotalProcessorTime - cpuAtStart).TotalMilliseconds;
    var stats = await system.ActorSelection($"/user/vm-{name}/vcpu").Ask<VcpuStats>(GetVcpuStats.Instance, TimeSpan.FromSeconds(30));
    if (!reached)
    {
        vm.Stop($"LinuxBench: /init not reached within {cap.TotalSeconds:F0} s");
        await vm.Exited.WaitAsync(TimeSpan.FromMinutes(1));
        return new Boot(mode, toInit, cpuToInit, stats.Retired, stats.Count(Hypercalls.SendInterrupts), stats.PauseExits, double.NaN, double.NaN, ReachedInit: false);
    }
    var exited = await vm.Exited.WaitAsync(TimeSpan.FromMinutes(10));
    double toEnd = clock.Elapsed.TotalMilliseconds;
    process.Refresh();
    double cpuToEnd = (process.TotalProcessorTime - cpuAtStart).TotalMilliseconds;
    if (exited.Kind != LguestActors.Actors.Protocol.GuestExitKind.PowerOff)
    {
        throw new InvalidOperationException($"boot {name} ended {exited.Kind}: {exited.Reason}");
    }
    return new Boot(mode, toInit, cpuToInit, stats.Retired, stats.Count(Hypercalls.SendInterrupts), stats.PauseExits, toEnd, cpuToEnd, ReachedInit: true);
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string? FindKernel()
{
    string? named = Environment.GetEnvironmentVariable("LGUEST_LINUX_DIR");
    if (!string.IsNullOrEmpty(named))
    {
        return Path.Combine(named, "vmlinux-3.10");
    }
    for (var dir = new DirectoryInfo(RepoPaths.Root).Parent; dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "shared", "linux", "vmlinux-3.10");
        if (File.Exists(candidate))
        {
            return candidate;
        }
    }
    return null;
}

/// <summary>One boot; with <see cref="ReachedInit"/> false the "to /init" figures are at the cap and there is no power-off.</summary>
internal sealed record Boot(string Mode, double ToInitMs, double CpuToInitMs, ulong InstructionsToInit, long SendInterrupts, long PauseExits,
    double ToPowerOffMs, double CpuToPowerOffMs, bool ReachedInit)
{
    public double InstructionsPerCpuSecond => InstructionsToInit / (CpuToInitMs / 1000);
}
