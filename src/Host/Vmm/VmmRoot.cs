using Akka;
using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;
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
internal sealed class VmmRoot : ReceiveActor
{
    public const string ActorName = "vmm";
    public const string ChildPrefix = "vm-";

    private readonly VmPropsFactory _vmProps;
    private readonly Dictionary<IActorRef, RunningVm> _vms = [];
    private readonly List<IActorRef> _stopWaiters = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public VmmRoot(VmPropsFactory vmProps)
    {
        _vmProps = vmProps;
        Receive<RunVm>(Start);
        Receive<VmExited>(OnExited);
        Receive<Terminated>(OnTerminated);
        Receive<StopAllVms>(_ => StopAll());
    }

    public static Props Props(VmPropsFactory vmProps) => Akka.Actor.Props.Create(() => new VmmRoot(vmProps));

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

    protected override void PostStop() => Abandon("the VMM stopped");

    private void Abandon(string reason)
    {
        foreach (RunningVm vm in _vms.Values)
        {
            vm.Waiter.Tell(vm.Outcome ?? (object)new LauncherFailed(vm.Name, reason));
        }
        _vms.Clear();
        foreach (IActorRef waiter in _stopWaiters)
        {
            waiter.Tell(Done.Instance);
        }
        _stopWaiters.Clear();
    }

    private void Start(RunVm run)
    {
        string name = run.Config.Name;
        if (_vms.Values.Any(vm => vm.Name == name))
        {
            Sender.Tell(new LauncherFailed(name, $"a VM named '{name}' is already running"));
            return;
        }
        if (_stopWaiters.Count > 0)
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
        _log.Info("VM {0} started ({1} MiB)", name, run.Config.MemoryBytes >> 20);
    }

    private void OnExited(VmExited exited)
    {
        // The launcher may report from itself or from one of its children: match by VM name.
        KeyValuePair<IActorRef, RunningVm> entry = _vms.FirstOrDefault(vm => vm.Value.Name == exited.Name);
        if (entry.Value is null)
        {
            _log.Warning("VmExited for unknown VM {0}: {1} {2}", exited.Name, exited.Kind, exited.Reason);
            return;
        }
        entry.Value.Outcome ??= exited;
        _log.Info("VM {0} ended: {1} {2}", exited.Name, exited.Kind, exited.Reason);
        // The guest is over: stop its devices now, and answer once they are all gone.
        Context.Stop(entry.Key);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!_vms.Remove(terminated.ActorRef, out RunningVm? vm))
        {
            return;
        }
        vm.Waiter.Tell(OutcomeOf(vm));

        if (_vms.Count == 0)
        {
            foreach (IActorRef waiter in _stopWaiters)
            {
                waiter.Tell(Done.Instance);
            }
            _stopWaiters.Clear();
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
        return _stopWaiters.Count > 0
            ? new VmExited(vm.Name, GuestExitKind.Stopped, "stopped by the host")
            : new LauncherFailed(vm.Name, "the launcher stopped without reporting how the guest ended");
    }

    private void StopAll()
    {
        if (_vms.Count == 0)
        {
            Sender.Tell(Done.Instance);
            return;
        }
        _stopWaiters.Add(Sender);
        foreach (IActorRef launcher in _vms.Keys)
        {
            Context.Stop(launcher);
        }
    }

    private RunningVm? Find(IActorRef launcher) => _vms.GetValueOrDefault(launcher);

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
