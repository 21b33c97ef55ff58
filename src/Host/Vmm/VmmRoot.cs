using Akka;
using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;
using LguestActors.Actors;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Host.Logging;

namespace LguestActors.Host.Vmm;

/// <summary>
/// /user/vmm: one child launcher per VM, named <c>vm-NAME</c> (DESIGN §4). It answers the host
/// only when a VM's actors have all stopped, so by then the console device has given the
/// terminal back, and it never restarts a launcher: a restart would boot the guest again from a
/// fresh memory, losing the running one.
/// </summary>
internal sealed class VmmRoot : UntypedActor, IWithTimers
{
    public const string ActorName = "vmm";
    public const string ChildPrefix = "vm-";

    private readonly VmPropsFactory _vmProps;
    /// <summary>
    /// How long a launcher has to end its VM after <see cref="StopVm"/> before it is stopped outright:
    /// the real launcher drains its devices and answers within a few mailbox turns; one that does
    /// not answer (a hung or foreign launcher) must not hold the host's shutdown.
    /// </summary>
    internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    private readonly Dictionary<IActorRef, RunningVm> _vms = [];
    // By name as well: a fleet is 10,000 VMs, and a lookup by name per VM that ends must not be a scan.
    private readonly Dictionary<string, IActorRef> _byName = new(StringComparer.Ordinal);
    private readonly List<IActorRef> _stopWaiters = [];
    private string? _stopReason;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public VmmRoot(VmPropsFactory vmProps)
    {
        _vmProps = vmProps;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(VmPropsFactory vmProps) => ActorProps.Of(() => new VmmRoot(vmProps));

    // A switch, not ReceiveActor's Receive<T>: the published host interprets ReceiveActor's
    // expression-tree matcher on every message and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunVm run:
                Start(run);
                break;
            case VmExited exited:
                OnExited(exited);
                break;
            case Terminated terminated:
                OnTerminated(terminated);
                break;
            case StopAllVms stop:
                StopAll(stop);
                break;
            case StopGraceOver:
                StopTheRest();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // Supervision runs on this actor's thread, so the strategy may note the failure directly; a
    // message would arrive after the launcher's Terminated (a system message, handled first).
    protected override SupervisorStrategy SupervisorStrategy() =>
        new StopAndReport((launcher, cause) => Find(launcher)?.Failure = ExceptionText.OneLine(cause));

    /// <summary>Should the root itself fail, nobody waits forever: every waiter hears that its VM is gone.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Abandon($"the VMM failed: {ExceptionText.OneLine(reason)}");
        base.PreRestart(reason, message);
    }

    /// <summary>
    /// The actor system is going: every VM goes with it. While the host is stopping the VMs that is
    /// what they were asked to do, so each ends as Stopped with the host's reason; otherwise the
    /// VMM stopped under them.
    /// </summary>
    protected override void PostStop() => Abandon("the VMM stopped");

    private void Abandon(string reason)
    {
        foreach (RunningVm vm in _vms.Values)
        {
            object outcome = vm.Outcome ?? (_stopReason is not null
                ? new VmExited(vm.Name, GuestExitKind.Stopped, _stopReason)
                : (object)new LauncherFailed(vm.Name, reason));
            vm.Waiter.Tell(outcome);
        }
        _vms.Clear();
        _byName.Clear();
        foreach (IActorRef waiter in _stopWaiters)
        {
            waiter.Tell(Done.Instance);
        }
        _stopWaiters.Clear();
    }

    private void Start(RunVm run)
    {
        string name = run.Config.Name;
        if (_byName.ContainsKey(name))
        {
            Sender.Tell(new LauncherFailed(name, $"a VM named '{name}' is already running"));
            return;
        }
        if (_stopReason is not null)
        {
            Sender.Tell(new LauncherFailed(name, "the host is shutting down"));
            return;
        }

        IActorRef launcher;
        try
        {
            launcher = Context.ActorOf(_vmProps(run.Config, Self), ChildPrefix + name);
        }
#pragma warning disable CA1031 // the props factory is outside code: whatever it throws, this VM failed, not the VMM
        catch (Exception e)
#pragma warning restore CA1031
        {
            Sender.Tell(new LauncherFailed(name, ExceptionText.OneLine(e)));
            return;
        }
        Context.Watch(launcher);
        _vms[launcher] = new RunningVm(name, Sender);
        _byName[name] = launcher;
        _log.Info("VM {0} started ({1} MiB)", name, run.Config.MemoryBytes >> 20);
    }

    private void OnExited(VmExited exited)
    {
        // The launcher may report from itself or from one of its children: match by VM name.
        if (!_byName.TryGetValue(exited.Name, out IActorRef? launcher) || !_vms.TryGetValue(launcher, out RunningVm? vm))
        {
            _log.Warning("VmExited for unknown VM {0}: {1} {2}", exited.Name, exited.Kind, exited.Reason);
            return;
        }
        vm.Outcome ??= exited;
        _log.Info("VM {0} ended: {1} {2}", exited.Name, exited.Kind, exited.Reason);
        // The guest is over: stop its devices now, and answer once they are all gone.
        Context.Stop(launcher);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!_vms.Remove(terminated.ActorRef, out RunningVm? vm))
        {
            return;
        }
        _byName.Remove(vm.Name);
        vm.Waiter.Tell(OutcomeOf(vm));

        if (_vms.Count == 0)
        {
            foreach (IActorRef waiter in _stopWaiters)
            {
                waiter.Tell(Done.Instance);
            }
            _stopWaiters.Clear();
            Timers.Cancel(StopGraceOver.Instance);
        }
    }

    private object OutcomeOf(RunningVm vm)
    {
        if (vm.Outcome is not null)
        {
            return vm.Outcome;
        }
        if (vm.Failure is not null)
        {
            return new LauncherFailed(vm.Name, vm.Failure);
        }
        return _stopReason is not null
            ? new VmExited(vm.Name, GuestExitKind.Stopped, _stopReason)
            : new LauncherFailed(vm.Name, "the launcher stopped without reporting how the guest ended");
    }

    /// <summary>
    /// Every VM at once, none waited for in turn: each launcher is told <see cref="StopVm"/> (it
    /// ends its guest, lets its devices finish what the guest gave them, and reports Stopped with
    /// the reason), and the answer goes when the last has stopped. A launcher still running after
    /// <see cref="StopGrace"/> is stopped outright, and ends Stopped with the same reason.
    /// </summary>
    private void StopAll(StopAllVms stop)
    {
        if (_vms.Count == 0)
        {
            Sender.Tell(Done.Instance);
            return;
        }
        _stopWaiters.Add(Sender);
        if (_stopReason is not null)
        {
            return; // already stopping: this waiter hears Done with the first
        }
        _stopReason = stop.Reason;
        var message = new StopVm(stop.Reason);
        foreach (IActorRef launcher in _vms.Keys)
        {
            launcher.Tell(message, Self);
        }
        Timers.StartSingleTimer(StopGraceOver.Instance, StopGraceOver.Instance, StopGrace);
    }

    private void StopTheRest()
    {
        foreach (IActorRef launcher in _vms.Keys)
        {
            Context.Stop(launcher);
        }
    }

    private RunningVm? Find(IActorRef launcher) => _vms.GetValueOrDefault(launcher);

    private sealed class StopGraceOver
    {
        public static readonly StopGraceOver Instance = new();
    }

    private sealed class RunningVm(string name, IActorRef waiter)
    {
        public string Name { get; } = name;

        public IActorRef Waiter { get; } = waiter;

        public VmExited? Outcome { get; set; }

        public string? Failure { get; set; }
    }

    /// <summary>Stops a failed launcher, saying which one failed and why.</summary>
    private sealed class StopAndReport(Action<IActorRef, Exception> onFailure) : OneForOneStrategy(Akka.Actor.Decider.From(Directive.Stop))
    {
        public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause,
            ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
        {
            onFailure(child, cause);
            base.ProcessFailure(context, restart, child, cause, stats, children);
        }
    }
}
