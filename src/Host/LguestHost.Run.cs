using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Vcpu;
using LguestActors.Host.Cli;
using LguestActors.Host.Logging;
using LguestActors.Host.Vmm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LguestActors.Host;

// The run: the actor system, the VMs under /user/vmm, and the way they end.
internal static partial class LguestHost
{
    /// <summary>
    /// The --timings timeline, its origin the process start (as the kernel recorded it, to its
    /// clock tick), its first mark the entry to the host's code.
    /// </summary>
    private static BootTimeline StartTimeline(long entered)
    {
        using var self = Process.GetCurrentProcess();
        var timeline = new BootTimeline(DateTime.Now - self.StartTime);
        timeline.Mark("runtime: process start to Main", entered);
        return timeline;
    }

    private static async Task<(int, string?)> RunVmAsync(Func<ActorSystem, IReadOnlyList<VmConfig>> vmConfigs, Config config, HostEnvironment env,
        TaskCompletionSource<(int Code, string Line)> stopRequested, HostApplicationBuilder builder, BootTimeline? timeline, Cpu.CpuEngine warmupEngine)
    {
        if (stopRequested.Task.IsCompleted)
        {
            return await stopRequested.Task.ConfigureAwait(false); // stopped before anything started
        }
        // Why the VMs still running are stopped: the stop request's own line, or the host's.
        StopAllVms stopAll = StopAllVms.ByHost;
        // The builder's core is idle from here until the first VM boots: the first vCPU's one-time
        // costs are paid there while this thread starts the actor system.
        _ = Task.Run(() => VcpuWarmup.Run(warmupEngine));
        using IHost host = BuildHost(builder, config, env, (system, registry) =>
        {
            timeline?.Mark("actor system: started");
            IActorRef root = system.ActorOf(VmmRoot.Props(env.VmProps), VmmRoot.ActorName);
            registry.Register<VmmRoot>(root);
            // Coordinated shutdown's service-stop phase stops every VM, devices first, so the console
            // device has given the terminal back before the actor system goes.
            TimeSpan timeout = system.Settings.Config.GetTimeSpan("akka.coordinated-shutdown.phases.service-stop.timeout", TimeSpan.FromSeconds(5));
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceStop, "stop-vms",
                () => root.Ask<Akka.Done>(stopAll, timeout));
        });
        timeline?.Mark("host: generic host built");
        await host.StartAsync().ConfigureAwait(false);
        ActorSystem system = host.Services.GetRequiredService<ActorSystem>();
        IActorRef root = host.Services.GetRequiredService<ActorRegistry>().Get<VmmRoot>();
        timeline?.Mark("actor system: /user/vmm");
        var others = new OtherVms(env);
        try
        {
            IReadOnlyList<VmConfig> vms = vmConfigs(system);
            // The first VM goes first (its console is the terminal, its end the host's exit code);
            // the others run beside it.
            Task<object> ended = root.Ask<object>(new RunVm(vms[0]), Timeout.InfiniteTimeSpan);
            foreach (VmConfig other in vms.Skip(1))
            {
                others.Add(other.Name, root.Ask<object>(new RunVm(other), Timeout.InfiniteTimeSpan), PanicSeenOnConsole.ClassifierOf(other));
            }
            Task first = await Task.WhenAny(ended, stopRequested.Task, system.WhenTerminated).ConfigureAwait(false);

            if (first == stopRequested.Task)
            {
                return await stopRequested.Task.ConfigureAwait(false);
            }
            if (first == ended)
            {
                return await ended.ConfigureAwait(false) switch
                {
                    VmExited exited => ExitCodes.For(PanicSeenOnConsole.ClassifierOf(vms[0])(exited)), // a Linux panic is not a power-off
                    LauncherFailed failed => (ExitCodes.Failure, $"the launcher failed: {failed.Reason}"),
                    object other => (ExitCodes.Failure, $"unexpected reply from the VMM: {other}"),
                };
            }
            return (ExitCodes.Failure, "the actor system stopped before the guest ended");
        }
        finally
        {
            if (stopRequested.Task.IsCompletedSuccessfully)
            {
                stopAll = new StopAllVms(stopRequested.Task.Result.Line);
            }
            // Akka.Hosting runs coordinated shutdown: its service-stop phase stops the VMs, then the
            // actor system goes.
            await host.StopAsync().ConfigureAwait(false);
            await system.WhenTerminated.ConfigureAwait(false);
            // Every other VM gets its line, also one whose answer the stopped actor system never gave.
            others.ReportAll();
        }
    }

    /// <summary>
    /// The generic host (Microsoft.Extensions.Hosting) around the actor system "lguest" (Akka.Hosting's
    /// <c>AddAkka</c>): config/akka.hocon over Akka's defaults, Akka's log lines through the host's
    /// <see cref="LineLogger"/>, <paramref name="startActors"/> run once the system is up. Kept lean
    /// for the first console byte (docs/PERFORMANCE.md, start-up): an empty application builder (no
    /// appsettings, environment or command-line configuration sources, no M.E.Logging providers) and
    /// the host's own lifetime, see <see cref="SignalLifetime"/>.
    /// </summary>
    private static IHost BuildHost(HostApplicationBuilder builder, Config config, HostEnvironment env, Action<ActorSystem, IActorRegistry> startActors)
    {
        builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();
        builder.Services.AddAkka(ActorSystemName, akka =>
        {
            akka.AddHocon(ConfigurationFactory.ParseString(LineLogging.NoDefaultLoggers).WithFallback(config), HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = AkkaLogLevelOf(config);
                loggers.ClearLoggers();
            });
            akka.WithActors((system, registry) =>
            {
                LineLogging.Attach(system, env.Error);
                startActors(system, registry);
            });
        });
        return builder.Build();
    }

    /// <summary>
    /// An empty application builder: no appsettings, environment or command-line configuration
    /// sources, no M.E.Logging providers. Also reads app.config once as Akka will: ActorSystem.Create
    /// with an ActorSystemSetup (Akka.Hosting's way) calls ConfigurationFactory.Load() even when the
    /// setup carries the config, which loads System.Configuration and its XML stack (~60 ms of CPU);
    /// done here, on another core, that load is off the way to the first byte.
    /// </summary>
    private static HostApplicationBuilder NewHostBuilder()
    {
        _ = ConfigurationFactory.Load();
        return Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = Usage.ProgramName,
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
    }

    private static Akka.Event.LogLevel AkkaLogLevelOf(Config config) =>
        (config.GetString("akka.loglevel", "WARNING") ?? "WARNING").ToUpperInvariant() switch
        {
            "DEBUG" => Akka.Event.LogLevel.DebugLevel,
            "INFO" => Akka.Event.LogLevel.InfoLevel,
            "ERROR" or "OFF" => Akka.Event.LogLevel.ErrorLevel,
            _ => Akka.Event.LogLevel.WarningLevel,
        };

    /// <summary>
    /// The generic host's lifetime, which leaves SIGINT, SIGTERM and SIGHUP to <see cref="IStopSignals"/>:
    /// those are taken from the first moment of the run (before the host exists), and each gives its
    /// own exit code and line (130 "stopped by SIGINT", 143, 129). The default ConsoleLifetime would
    /// take SIGINT and SIGTERM itself, not SIGHUP, and not say which came. A stop signal ends the
    /// run, and the run stops the host (<c>IHost.StopAsync</c>: coordinated shutdown).
    /// </summary>
    private sealed class SignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    internal static string SignalName(StopSignal signal) => signal switch
    {
        StopSignal.Interrupt => "INT",
        StopSignal.Terminate => "TERM",
        StopSignal.Hangup => "HUP",
        _ => ((int)signal).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
