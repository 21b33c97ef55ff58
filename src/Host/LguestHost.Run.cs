using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using LguestActors.Actors.Launcher;
using LguestActors.Host.Cli;
using LguestActors.Host.Logging;
using LguestActors.Host.Vmm;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using AkkaLogLevel = Akka.Event.LogLevel;

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
        TaskCompletionSource<(int Code, string Line)> stopRequested, BootTimeline? timeline)
    {
        using IDisposable signals = env.Signals.Register(signal =>
            stopRequested.TrySetResult((ExitCodes.ForSignal(signal), $"stopped by SIG{SignalName(signal)}")));

        using IHost host = BuildHost(config, env);
        await host.StartAsync().ConfigureAwait(false);
        timeline?.Mark("actor system: started");
        var others = new OtherVms(env);
        try
        {
            ActorSystem system = host.Services.GetRequiredService<ActorSystem>();
            IActorRef root = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<VmmRoot>().ConfigureAwait(false);
            timeline?.Mark("actor system: /user/vmm");

            IReadOnlyList<VmConfig> vms = vmConfigs(system);
            // The first VM goes first (its console is the terminal, its end the host's exit code);
            // the others run beside it.
            Task<object> ended = root.Ask<object>(new RunVm(vms[0]), Timeout.InfiniteTimeSpan);
            foreach (VmConfig other in vms.Skip(1))
            {
                others.Add(other.Name, root.Ask<object>(new RunVm(other), Timeout.InfiniteTimeSpan));
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
                    VmExited exited => ExitCodes.For(exited),
                    LauncherFailed failed => (ExitCodes.Failure, $"the launcher failed: {failed.Reason}"),
                    object other => (ExitCodes.Failure, $"unexpected reply from the VMM: {other}"),
                };
            }
            return (ExitCodes.Failure, "the actor system stopped before the guest ended");
        }
        finally
        {
            // Coordinated shutdown: its service-stop phase stops the VMs (see BuildHost), then the actor system.
            await host.StopAsync().ConfigureAwait(false);
            // Every other VM gets its line, also one whose answer the stopped actor system never gave.
            others.ReportAll();
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
}
