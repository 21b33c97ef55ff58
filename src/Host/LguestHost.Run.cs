using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Launcher;
using LguestActors.Host.Cli;
using LguestActors.Host.Logging;
using LguestActors.Host.Vmm;

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
        if (stopRequested.Task.IsCompleted)
        {
            return await stopRequested.Task.ConfigureAwait(false); // stopped before anything started
        }
        using ActorSystem system = StartActorSystem(config, env);
        timeline?.Mark("actor system: started");
        var others = new OtherVms(env);
        try
        {
            IActorRef root = system.ActorOf(VmmRoot.Props(env.VmProps), VmmRoot.ActorName);
            // Coordinated shutdown's service-stop phase stops every VM, devices first, so the console
            // device has given the terminal back before the actor system goes.
            TimeSpan timeout = system.Settings.Config.GetTimeSpan("akka.coordinated-shutdown.phases.service-stop.timeout", TimeSpan.FromSeconds(5));
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceStop, "stop-vms",
                () => root.Ask<Akka.Done>(StopAllVms.Instance, timeout));
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
            // Coordinated shutdown: its service-stop phase stops the VMs, then the actor system goes.
            await CoordinatedShutdown.Get(system).Run(HostStopping.Instance).ConfigureAwait(false);
            await system.WhenTerminated.ConfigureAwait(false);
            // Every other VM gets its line, also one whose answer the stopped actor system never gave.
            others.ReportAll();
        }
    }

    /// <summary>
    /// The actor system "lguest", started directly: config/akka.hocon over Akka's defaults, Akka's
    /// log lines through the host's <see cref="LineLogger"/>. Microsoft.Extensions.Hosting with
    /// Akka.Hosting did the same with a DI container, configuration and logging stacks around it,
    /// and their ActorSystemSetup path reads app.config too (System.Configuration) — a third of the
    /// time to the guest's first byte (docs/PERFORMANCE.md, start-up).
    /// </summary>
    private static ActorSystem StartActorSystem(Config config, HostEnvironment env)
    {
        ActorSystem system = ActorSystem.Create(ActorSystemName, ConfigurationFactory.ParseString(LineLogging.NoDefaultLoggers).WithFallback(config));
        LineLogging.Attach(system, env.Error);
        return system;
    }

    /// <summary>Why coordinated shutdown ran: the host's run is over.</summary>
    private sealed class HostStopping : CoordinatedShutdown.Reason
    {
        public static readonly HostStopping Instance = new();

        // Not the process's exit code (exit-clr is off): the host decides that from how the VM ended.
        public override int ExitCode => 0;
    }

    internal static string SignalName(StopSignal signal) => signal switch
    {
        StopSignal.Interrupt => "INT",
        StopSignal.Terminate => "TERM",
        StopSignal.Hangup => "HUP",
        _ => ((int)signal).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
