using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Network;
using LguestActors.Host.Cli;
using LguestActors.Host.Configuration;
using LguestActors.Host.Logging;
using LguestActors.Host.Vmm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using AkkaLogLevel = Akka.Event.LogLevel;

namespace LguestActors.Host;

/// <summary>
/// The console host: parse the command line, read the kernel and config/akka.hocon, start the
/// actor system (Microsoft.Extensions.Hosting + Akka.Hosting), boot one VM under /user/vmm and
/// turn how it ended into the exit code. Every failure is one line on stderr, never a stack trace.
/// </summary>
internal static class LguestHost
{
    /// <summary>The host boots one VM: /user/vmm/vm-guest.</summary>
    public const string VmName = LaunchOptions.FirstVmName;

    public const string ActorSystemName = "lguest";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, HostEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(env);
        try
        {
            if (args.Count > 0 && args[0] == Experiments.ExperimentCommand.Name)
            {
                return await Experiments.ExperimentCommand.RunAsync(args.Skip(1).ToList(), env).ConfigureAwait(false);
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
                    return await BootAsync(run.Options, env, args, null).ConfigureAwait(false);
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
        return await BootAsync(options with { Simulation = simulation }, env, recording.Args, recording).ConfigureAwait(false);
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

    private static async Task<int> BootAsync(LaunchOptions options, HostEnvironment env, IReadOnlyList<string> args, Simulation.SessionRecording? replay)
    {
        // A stop request (a signal, or the console's escape key) ends the run with its own code and
        // line. Signals are taken from the first moment, so one that comes while the host is still
        // reading files or starting the actor system is answered the same way as one that comes later.
        var stopRequested = new TaskCompletionSource<(int Code, string Line)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable signals = env.Signals.Register(signal =>
            stopRequested.TrySetResult((ExitCodes.ForSignal(signal), $"stopped by SIG{SignalName(signal)}")));

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

        var extraKernels = new List<byte[]>();
        foreach (var extra in options.ExtraVms ?? [])
        {
            (byte[] image, string path, string? error) = KernelFile.Read(extra.KernelPath, env.SearchRoots);
            error ??= KernelFile.CheckImage(path, image, extra.MemoryBytes);
            if (error is not null)
            {
                Fail(env, $"vm {extra.Name}: {error}");
                return ExitCodes.Failure;
            }
            extraKernels.Add(image);
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
        try
        {
            if (options.Simulation is not null)
            {
                var (code, line) = Simulation.SimulatedHost.Run(options, env, config!, settings!, kernel, initrd, extraKernels, disks, RecordedArgs(args), replay, stopRequested);
                if (line is not null)
                {
                    Fail(env, line);
                }
                return code;
            }
            var blockOptions = new BlockDeviceOptions(IoDispatcher: settings!.DeviceIoDispatcher);
            return await BootWithDisksAsync(options, env, kernel, initrd, extraKernels, config!, settings, disks.Select(d => new BlockDeviceConfig(d, blockOptions)).ToList(), stopRequested).ConfigureAwait(false);
        }
        finally
        {
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
        Config config, LguestSettings settings, IReadOnlyList<DeviceConfig> disks, TaskCompletionSource<(int Code, string Line)> stopRequested)
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
            IReadOnlyList<VmConfig> Vms(ActorSystem system) => VmConfigs(system, options, kernel, initrd, console, disks, extraKernels, tapBackends, env)
                .Select(vm => vm with { Faults = new Actors.Faults.FaultInjector(plan), Supervision = supervision, Machine = settings.Machine }).ToList();
            outcome = await RunVmAsync(Vms, config, env, stopRequested).ConfigureAwait(false);
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
            new(VmName, options.MemoryBytes, kernel, options.CommandLine, [new ConsoleConfig(console), .. disks, .. NetOf(VmName, options.Net, options.Mac)])
            {
                Initrd = initrd,
            },
        };
        foreach (var (extra, image) in (options.ExtraVms ?? []).Zip(extraKernels))
        {
            var prefixed = new PrefixedConsoleBackend(extra.Name, env.Error);
            vms.Add(new VmConfig(extra.Name, extra.MemoryBytes, image, extra.CommandLine, [new ConsoleConfig(prefixed), .. NetOf(extra.Name, extra.Net, extra.Mac)]));
        }
        return vms;
    }

    private static async Task<(int, string?)> RunVmAsync(Func<ActorSystem, IReadOnlyList<VmConfig>> vmConfigs, Config config, HostEnvironment env,
        TaskCompletionSource<(int Code, string Line)> stopRequested)
    {
        if (stopRequested.Task.IsCompleted)
        {
            return await stopRequested.Task.ConfigureAwait(false); // stopped before anything started
        }
        using IHost host = BuildHost(config, env);
        await host.StartAsync().ConfigureAwait(false);
        try
        {
            ActorSystem system = host.Services.GetRequiredService<ActorSystem>();
            IActorRef root = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<VmmRoot>().ConfigureAwait(false);

            IReadOnlyList<VmConfig> vms = vmConfigs(system);
            // The other VMs run beside the first; the host's run (and its exit code) is the first VM's.
            foreach (VmConfig other in vms.Skip(1))
            {
                _ = root.Ask<object>(new RunVm(other), Timeout.InfiniteTimeSpan).ContinueWith(
                    t => Fail(env, t.IsCompletedSuccessfully
                        ? $"vm {other.Name} ended: {(t.Result is VmExited e ? $"{e.Kind} {e.Reason}" : t.Result)}"
                        : $"vm {other.Name} ended"),
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            Task<object> ended = root.Ask<object>(new RunVm(vms[0]), Timeout.InfiniteTimeSpan);
            Task first = await Task.WhenAny(ended, stopRequested.Task, system.WhenTerminated).ConfigureAwait(false);

            if (first == stopRequested.Task)
            {
                return await stopRequested.Task.ConfigureAwait(false);
            }
            if (first == ended)
            {
                return await ended.ConfigureAwait(false) switch
                {
                    VmExited exited => ExitCodes.For(exited),
                    LauncherFailed failed => (ExitCodes.Failure, $"the launcher failed: {failed.Reason}"),
                    object other => (ExitCodes.Failure, $"unexpected reply from the VMM: {other}"),
                };
            }
            return (ExitCodes.Failure, "the actor system stopped before the guest ended");
        }
        finally
        {
            // Coordinated shutdown: its service-stop phase stops the VM (see BuildHost), then the actor system.
            await host.StopAsync().ConfigureAwait(false);
        }
    }

    private static IHost BuildHost(Config config, HostEnvironment env)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = Usage.ProgramName,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Signals are IStopSignals' job, so the exit code can name the one that came; the default
        // ConsoleLifetime would take SIGINT/SIGTERM itself and not say which.
        builder.Services.AddSingleton<IHostLifetime, PassiveLifetime>();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new LineLoggerProvider(env.Error));
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        builder.Services.AddAkka(ActorSystemName, akka =>
        {
            akka.AddHocon(config, HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = AkkaLogLevelOf(config);
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
            akka.WithActors((system, registry) =>
            {
                IActorRef root = system.ActorOf(VmmRoot.Props(env.VmProps), VmmRoot.ActorName);
                registry.Register<VmmRoot>(root);
                TimeSpan timeout = system.Settings.Config.GetTimeSpan("akka.coordinated-shutdown.phases.service-stop.timeout", TimeSpan.FromSeconds(5));
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceStop, "stop-vms",
                    () => root.Ask<Akka.Done>(StopAllVms.Instance, timeout));
            });
        });
        return builder.Build();
    }

    private static AkkaLogLevel AkkaLogLevelOf(Config config) =>
        (config.GetString("akka.loglevel", "WARNING") ?? "WARNING").ToUpperInvariant() switch
        {
            "DEBUG" => AkkaLogLevel.DebugLevel,
            "INFO" => AkkaLogLevel.InfoLevel,
            "ERROR" or "OFF" => AkkaLogLevel.ErrorLevel,
            _ => AkkaLogLevel.WarningLevel,
        };

    private static string SignalName(StopSignal signal) => signal switch
    {
        StopSignal.Interrupt => "INT",
        StopSignal.Terminate => "TERM",
        StopSignal.Hangup => "HUP",
        _ => ((int)signal).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

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

    /// <summary>An IHostLifetime that leaves the process's signals alone.</summary>
    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
