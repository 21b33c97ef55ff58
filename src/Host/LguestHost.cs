using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Devices;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Network;
using LguestActors.Host.Cli;
using LguestActors.Host.Configuration;
using LguestActors.Host.Logging;
using LguestActors.Host.Vmm;
using Microsoft.Extensions.Hosting;

namespace LguestActors.Host;

/// <summary>
/// The console host: parse the command line, read the kernel and config/akka.hocon, start the
/// actor system, boot the VMs under /user/vmm and
/// turn how it ended into the exit code. Every failure is one line on stderr, never a stack trace.
/// </summary>
internal static partial class LguestHost
{
    /// <summary>The first VM: /user/vmm/vm-guest (guest-1 under --fleet).</summary>
    public const string VmName = LaunchOptions.FirstVmName;

    public const string ActorSystemName = "lguest";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, HostEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(env);
        long entered = Stopwatch.GetTimestamp();
        // The generic host's builder is the longest chain on the way to the first console byte
        // (docs/PERFORMANCE.md, start-up): begun before the command line is even parsed, on the
        // other core, for any command that may boot a VM. Unused (help, a usage error, a
        // simulated run), it is dropped.
        Task<HostApplicationBuilder>? hostBuilder = args.Count > 0 && args[0] is Experiments.ExperimentCommand.Name or Cluster.NodeCommand.Name
            ? null
            : Task.Run(NewHostBuilder);
        try
        {
            if (args.Count > 0 && args[0] == Experiments.ExperimentCommand.Name)
            {
                return await Experiments.ExperimentCommand.RunAsync(args.Skip(1).ToList(), env).ConfigureAwait(false);
            }
            if (args.Count > 0 && args[0] == Cluster.NodeCommand.Name)
            {
                return await Cluster.NodeCommand.RunAsync(args.Skip(1).ToList(), env).ConfigureAwait(false);
            }
            switch (LaunchOptions.Parse(args))
            {
                case HostCommand.ShowHelp:
                    await env.Out.WriteAsync(Usage.Text).ConfigureAwait(false);
                    return ExitCodes.PowerOff;
                case HostCommand.ShowVersion:
                    await env.Out.WriteLineAsync(Usage.VersionLine).ConfigureAwait(false);
                    return ExitCodes.PowerOff;
                case HostCommand.UsageError error:
                    Fail(env, $"{error.Message} (try '{Usage.ProgramName} --help')");
                    return ExitCodes.Usage;
                case HostCommand.Run run:
                    return await BootAsync(run.Options, env, args, null, run.Options.Timings ? StartTimeline(entered) : null, hostBuilder).ConfigureAwait(false);
                case HostCommand.Replay replay:
                    return await ReplayAsync(replay.Path, env).ConfigureAwait(false);
                default:
                    throw new InvalidOperationException("unhandled command");
            }
        }
#pragma warning disable CA1031 // the host's last line of defence: one line, never a stack trace
        catch (Exception e)
#pragma warning restore CA1031
        {
            Fail(env, $"internal error: {ExceptionText.OneLine(e)}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>--replay FILE: the recording's own command line, on the simulation engine, its inputs at their step boundaries.</summary>
    private static async Task<int> ReplayAsync(string path, HostEnvironment env)
    {
        Simulation.SessionRecording recording;
        try
        {
            recording = Simulation.SessionRecording.Parse(await File.ReadAllTextAsync(path).ConfigureAwait(false), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Fail(env, e is FormatException ? e.Message : $"--replay {path}: {e.Message}");
            return ExitCodes.Failure;
        }
        if (LaunchOptions.Parse(recording.Args) is not HostCommand.Run { Options: var options })
        {
            Fail(env, $"{path}: the recorded command line is not a run: {string.Join(' ', recording.Args)}");
            return ExitCodes.Failure;
        }
        var simulation = (options.Simulation ?? new SimulationOptions(recording.Seed, null, null, null)) with { Seed = recording.Seed, RecordPath = null, InputPath = null };
        return await BootAsync(options with { Simulation = simulation }, env, recording.Args, recording, null, null).ConfigureAwait(false); // simulated: no generic host
    }

    /// <summary>The command line a recording keeps: all but --record FILE.</summary>
    private static List<string> RecordedArgs(IReadOnlyList<string> args)
    {
        var kept = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--record")
            {
                i++;
            }
            else if (!args[i].StartsWith("--record=", StringComparison.Ordinal))
            {
                kept.Add(args[i]);
            }
        }
        return kept;
    }

    /// <param name="hostBuilder">The generic host's builder, begun as the host was entered; null only for a simulated run, which has none.</param>
    private static async Task<int> BootAsync(LaunchOptions options, HostEnvironment env, IReadOnlyList<string> args, Simulation.SessionRecording? replay,
        BootTimeline? timeline, Task<HostApplicationBuilder>? hostBuilder)
    {
        // A stop request (a signal, or the console's escape key) ends the run with its own code and
        // line. Signals are taken from the first moment, so one that comes while the host is still
        // reading files or starting the actor system is answered the same way as one that comes later.
        var stopRequested = new TaskCompletionSource<(int Code, string Line)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable signals = env.Signals.Register(signal =>
            stopRequested.TrySetResult((ExitCodes.ForSignal(signal), $"stopped by SIG{SignalName(signal)}")));

        // The generic host's builder (and the app.config read Akka does on the way to an actor
        // system) needs nothing from the files below: it is being made on another core while this
        // thread reads them (docs/PERFORMANCE.md, start-up). A simulated run drops it.

        // Phases, in order: kernel, configuration, console, actor system, VM, wait, shutdown.
        (byte[] kernel, string kernelPath, string? kernelError) = KernelFile.Read(options.KernelPath, env.SearchRoots);
        kernelError ??= KernelFile.CheckImage(kernelPath, kernel, options.MemoryBytes);
        if (kernelError is not null)
        {
            Fail(env, kernelError);
            return ExitCodes.Failure;
        }

        byte[] initrd = [];
        if (options.InitrdPath is string initrdPath)
        {
            (initrd, _, string? initrdError) = KernelFile.ReadInitrd(initrdPath);
            if (initrdError is not null)
            {
                Fail(env, initrdError);
                return ExitCodes.Failure;
            }
        }

        // A fleet names one kernel thousands of times: each file is read once, checked once per
        // memory size, and the copies share it.
        var images = new Dictionary<string, (byte[] Image, string Path)>(StringComparer.Ordinal) { [options.KernelPath ?? ""] = (kernel, kernelPath) };
        var checkedImages = new HashSet<(string, ulong)> { (options.KernelPath ?? "", options.MemoryBytes) };
        var extraKernels = new List<byte[]>();
        foreach (var extra in options.ExtraVms ?? [])
        {
            string key = extra.KernelPath ?? "";
            string? error = null;
            if (!images.TryGetValue(key, out var known))
            {
                (byte[] read, string path, error) = KernelFile.Read(extra.KernelPath, env.SearchRoots);
                images[key] = known = (read, path);
            }
            if (error is null && checkedImages.Add((key, extra.MemoryBytes)))
            {
                error = KernelFile.CheckImage(known.Path, known.Image, extra.MemoryBytes);
            }
            if (error is not null)
            {
                Fail(env, $"vm {extra.Name}: {error}");
                return ExitCodes.Failure;
            }
            extraKernels.Add(known.Image);
        }

        string? configPath = AkkaConfigFile.Locate(env.SearchRoots);
        if (configPath is null)
        {
            Fail(env, $"cannot find {AkkaConfigFile.FileName} (looked beside the program and in the source tree's {AkkaConfigFile.RepositoryPath})");
            return ExitCodes.Failure;
        }
        (Config? config, LguestSettings? settings, string? configError) = AkkaConfigFile.Load(configPath);
        if (configError is not null)
        {
            Fail(env, configError);
            return ExitCodes.Failure;
        }

        (List<IBlockBackend> disks, string? diskError) = OpenBlockDevices(options);
        if (diskError is not null)
        {
            Fail(env, diskError);
            return ExitCodes.Failure;
        }
        timeline?.Mark("host: command line, kernel, config");
        (Observe.Observing? observing, string? observeError) = Observe.Observing.Start(options.Observe ?? ObserveOptions.None);
        try
        {
            if (observeError is not null)
            {
                Fail(env, observeError);
                return ExitCodes.Failure;
            }
            if (options.Simulation is not null)
            {
                var (code, line) = Simulation.SimulatedHost.Run(options, env, config!, settings!, kernel, initrd, extraKernels, disks, RecordedArgs(args), replay, stopRequested);
                if (line is not null)
                {
                    Fail(env, line);
                }
                observing!.WriteSummary(env.Error);
                return code;
            }
            var blockOptions = new BlockDeviceOptions(IoDispatcher: settings!.DeviceIoDispatcher);
            int exitCode = await BootWithDisksAsync(options, env, kernel, initrd, extraKernels, config!, settings, disks.Select(d => new BlockDeviceConfig(d, blockOptions)).ToList(),
                stopRequested, hostBuilder!, timeline).ConfigureAwait(false);
            observing!.WriteSummary(env.Error);
            if (timeline is not null)
            {
                env.Error.Write($"{Usage.ProgramName}: start-up timings (--timings), ms from the process start:{Environment.NewLine}{timeline.Format()}");
                env.Error.Flush();
            }
            return exitCode;
        }
        finally
        {
            observing?.Dispose();
            foreach (var disk in disks)
            {
                disk.Dispose();
            }
        }
    }

    /// <summary>Opens every --block file; the first that cannot be used is the one error line.</summary>
    private static (List<IBlockBackend> Disks, string? Error) OpenBlockDevices(LaunchOptions options)
    {
        var disks = new List<IBlockBackend>();
        foreach (var block in options.BlockDevices ?? [])
        {
            try
            {
                disks.Add(FileBlockBackend.Open(block.Path, block.ReadOnly));
            }
            catch (BlockBackendException e)
            {
                foreach (var disk in disks)
                {
                    disk.Dispose();
                }
                return ([], e.Message);
            }
        }
        return (disks, null);
    }

    private static async Task<int> BootWithDisksAsync(LaunchOptions options, HostEnvironment env, byte[] kernel, byte[] initrd, IReadOnlyList<byte[]> extraKernels,
        Config config, LguestSettings settings, IReadOnlyList<DeviceConfig> disks, TaskCompletionSource<(int Code, string Line)> stopRequested,
        Task<HostApplicationBuilder> hostBuilder, BootTimeline? timeline)
    {
        void StopFromConsole() => stopRequested.TrySetResult((ExitCodes.Stopped, "stopped from the console (escape key)"));

        IConsoleBackend console;
        try
        {
            console = env.ConsoleBackend(settings, StopFromConsole);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            Fail(env, $"cannot open the console: {e.Message}");
            return ExitCodes.Failure;
        }
        timeline?.Mark("host: console");

        (int code, string? line) outcome;
        var taps = new List<IDisposable>();
        try
        {
            // TAP devices are opened before anything starts, so "no /dev/net/tun" is one line and exit 1.
            Dictionary<string, INetBackend> tapBackends = [];
            foreach (var tap in NetAttachments(options).Where(n => n.Kind == NetAttachmentKind.Tap).Select(n => n.Name).Distinct())
            {
                var backend = env.OpenTap(tap);
                tapBackends[tap] = backend;
                if (backend is IDisposable disposable)
                {
                    taps.Add(disposable);
                }
            }
            // lguest.faults and lguest.devices.supervision apply to every VM (each its own injector).
            var (plan, supervision) = Experiments.HostFaults.Read(config!);
            var firstConsole = new PanicSeenOnConsole(timeline is null ? console : new FirstByteConsoleBackend(console, timeline));
            // One machine shape for all: past lguest.vcpu.pinned-up-to VMs, every vCPU is on the fleet's pool.
            var machine = settings.MachineFor(1 + (options.ExtraVms?.Count ?? 0)) with { Engine = options.Engine ?? settings.Engine };
            IReadOnlyList<VmConfig> Vms(ActorSystem system) => VmConfigs(system, options, kernel, initrd, firstConsole, disks, extraKernels, tapBackends, env)
                .Select((vm, i) => vm with
                {
                    Faults = new Actors.Faults.FaultInjector(plan), Supervision = supervision, Machine = machine, Timeline = i == 0 ? timeline : null,
                }).ToList();
            outcome = await RunVmAsync(Vms, config, env, stopRequested, await hostBuilder.ConfigureAwait(false), timeline, machine.Engine).ConfigureAwait(false);
        }
        catch (NetBackendException e)
        {
            outcome = (ExitCodes.Failure, e.Message);
        }
        catch (ConfigurationException e)
        {
            outcome = (ExitCodes.Failure, $"config: {e.Message}");
        }
        finally
        {
            foreach (var tap in taps)
            {
                tap.Dispose();
            }
            // After the VM's actors and the actor system are gone: nothing writes to it any more.
            await DisposeAsync(console).ConfigureAwait(false);
        }

        // Printed last, once the terminal is back to normal, so the line is not lost in raw mode.
        if (outcome.line is not null)
        {
            Fail(env, outcome.line);
        }
        return outcome.code;
    }

    /// <summary>--rng: the first VM's entropy device, after its other devices (lguest's launcher added it last too).</summary>
    internal static DeviceConfig[] RngOf(LaunchOptions options, IEntropySource source) => options.Rng ? [new RngDeviceConfig(source)] : [];

    private static IEnumerable<NetAttachment> NetAttachments(LaunchOptions options) =>
        new[] { options.Net }.Concat((options.ExtraVms ?? []).Select(v => v.Net)).OfType<NetAttachment>();

    /// <summary>
    /// The first VM (the terminal's) and every --vm, with their net devices: a switch is the actor
    /// /user/lan-NAME, created the first time a VM names it; a TAP is the backend opened before.
    /// </summary>
    private static IReadOnlyList<VmConfig> VmConfigs(ActorSystem system, LaunchOptions options, byte[] kernel, byte[] initrd, IConsoleBackend console,
        IReadOnlyList<DeviceConfig> disks, IReadOnlyList<byte[]> extraKernels, Dictionary<string, INetBackend> taps, HostEnvironment env)
    {
        var switches = new Dictionary<string, IActorRef>();
        DeviceConfig[] NetOf(string vm, NetAttachment? net, MacAddress? mac)
        {
            if (net is null)
            {
                return [];
            }
            INetBackend backend = net.Kind == NetAttachmentKind.Tap
                ? taps[net.Name]
                : new SwitchPortBackend(switches.TryGetValue(net.Name, out var lan)
                    ? lan
                    : switches[net.Name] = system.ActorOf(NetworkSwitch.Props(net.Name), NetworkSwitch.ActorPrefix + net.Name));
            return [new NetDeviceConfig(mac ?? MacAddress.FromName(vm), backend)];
        }

        var vms = new List<VmConfig>
        {
            new(options.FirstName, options.MemoryBytes, kernel, options.CommandLine, [new ConsoleConfig(console), .. disks, .. NetOf(options.FirstName, options.Net, options.Mac), .. RngOf(options, OsEntropySource.Instance)])
            {
                Initrd = initrd,
            },
        };
        foreach (var (extra, image) in (options.ExtraVms ?? []).Zip(extraKernels))
        {
            var prefixed = new PanicSeenOnConsole(new PrefixedConsoleBackend(extra.Name, env.Error));
            vms.Add(new VmConfig(extra.Name, extra.MemoryBytes, image, extra.CommandLine, [new ConsoleConfig(prefixed), .. NetOf(extra.Name, extra.Net, extra.Mac)]));
        }
        return vms;
    }

    private static async ValueTask DisposeAsync(IConsoleBackend console)
    {
        switch (console)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    private static void Fail(HostEnvironment env, string line)
    {
        env.Error.WriteLine($"{Usage.ProgramName}: {line}");
        env.Error.Flush();
    }
}
