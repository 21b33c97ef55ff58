using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Interrupts;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Supervision;
using LguestActors.Actors.Time;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

/// <summary>
/// The launcher of one VM: boots it in named phases (memory, kernel, boot params, device page,
/// page tables, vCPU and interrupts, devices, start), then judges the guest's NOTIFYs the way
/// lguest's handle_output did, and reports the end of the VM to its exit listener as
/// <see cref="VmExited"/>.
/// </summary>
public sealed partial class GuestSupervisor : UntypedActor, IWithTimers
{
    /// <summary>Bound on one early-console string.</summary>
    public const int MaxEarlyConsoleLength = GuestMemory.PageSize;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly VmConfig _config;
    private readonly IActorRef _exitListener;
    private readonly GuestSupervisorOptions _options;
    private readonly Telemetry.VmMetrics _metrics;
    private bool _counted;

    private GuestMemory _memory = null!;
    private DevicePage _devicePage = null!;
    private uint _pfnLimit;
    private uint _pgdir;
    private uint _entry;
    private IActorRef _vcpu = ActorRefs.Nobody;
    private IActorRef _interrupts = ActorRefs.Nobody;
    private IActorRef[] _devices = [];
    private IActorRef[] _kickTargets = [];
    private LguestTransport[] _transports = [];
    private VirtioDeviceState[] _states = [];
    private RestartBudget[] _budgets = [];
    private bool[] _started = [];
    private WatchdogArm? _watchdogArm;
    private bool _exited;
    private VmExited? _exit;
    private int _draining;

    /// <summary>How long devices get to finish what is in their mailboxes when the VM ends.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    public GuestSupervisor(VmConfig config, IActorRef exitListener, GuestSupervisorOptions options)
    {
        _config = config;
        _exitListener = exitListener;
        _options = options;
        _metrics = new Telemetry.VmMetrics(config.Name, WorldTime.ClockOf(Context.System));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private ulong RamSize => _config.MemoryBytes;

    /// <summary>
    /// A switch and not ReceiveActor's <c>Receive&lt;T&gt;</c>: ReceiveActor matches through a matcher
    /// built from an expression tree, which the published host (no run-time code generation) loads
    /// System.Linq.Expressions and emits thunks for on the way to the first console byte, then runs
    /// in the LINQ interpreter for every message (docs/PERFORMANCE.md, start-up). Terminated keeps
    /// ReceiveActor's first-match order: the vCPU's death while the guest runs, then a draining
    /// device, then any other (the vCPU stopped while ending: no death pact).
    /// </summary>
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case GuestNotify notify:
                OnGuestNotify(notify);
                break;
            case GuestExited e:
                Finish(e.Kind, e.Reason);
                break;
            case StopVm s:
                Finish(GuestExitKind.Stopped, s.Reason);
                break;
            case Terminated t when t.ActorRef.Equals(_vcpu) && !_exited:
                Finish(GuestExitKind.GuestFault, "the vCPU stopped unexpectedly");
                break;
            case Terminated t when _exited && Array.IndexOf(_devices, t.ActorRef) >= 0:
                DeviceDrained();
                break;
            case Terminated:
                break; // the vCPU we stopped ourselves while ending: not a death pact
            case DrainTimedOut:
                Complete();
                break;
            case DeviceGaveUp gaveUp:
                OnDeviceGaveUp(gaveUp);
                break;
            case GetVmInfo:
                Sender.Tell(new VmInfo(_memory, _devicePage, RamSize, _pfnLimit, _pgdir, _entry, _vcpu, _interrupts, _devices));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    public static Props Props(VmConfig config, IActorRef exitListener, GuestSupervisorOptions? options = null) =>
        ActorProps.Of(() => new GuestSupervisor(config, exitListener, options ?? GuestSupervisorOptions.Default));

    /// <summary>
    /// A device that throws is restarted with its queue state intact (DESIGN §6); the VM does not
    /// die because a device did. One that fails more than lguest.devices.supervision allows is
    /// stopped and failed to the guest (<see cref="OnDeviceGaveUp"/>).
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new DeviceSupervisorStrategy(
            child => Array.IndexOf(_devices, child) is int i and >= 0 ? _budgets[i] : null,
            (child, cause) => Self.Tell(new DeviceGaveUp(child, cause.Message)),
            WorldTime.ClockOf(Context.System));

    protected override void PreStart()
    {
        _config.Timeline?.Mark("boot: launcher started");
        if (_config.Faults.Plan.IsActive)
        {
            _config.Faults.Counters.Vm = _config.Name;
        }
        // DESIGN §5 as spans: one "boot" with a child per phase, each closed before the next
        // opens, all before PreStart returns (nothing is left in Activity.Current on this thread).
        using var boot = Telemetry.LguestTelemetry.Source.StartActivity("boot", System.Diagnostics.ActivityKind.Internal, default(System.Diagnostics.ActivityContext), _metrics.VmTag.ToArray());
        foreach (var (name, run) in BootPhases())
        {
            using var phase = Telemetry.LguestTelemetry.Source.StartActivity("boot: " + name);
            try
            {
                run();
                _config.Timeline?.Mark($"boot: {name}");
            }
            catch (Cpu.Loader.GuestImageException e)
            {
                phase?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
                BootFailed(name, e.Message);
                return;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or GuestMemoryException or NotImplementedException or OverflowException)
            {
                phase?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.Message);
                BootFailed(name, $"{name}: {e.Message}");
                return;
            }
        }
        _log.Info("vm {0}: booted {1} MiB at entry 0x{2:x8}, {3} device(s)", _config.Name, RamSize >> 20, _entry, _devices.Length);
        _metrics.Booted();
        _counted = true;
    }

    /// <summary>
    /// The launcher owns the guest's memory and gives it back to the host here, deterministically:
    /// every actor that touches it (the vCPU, the devices and their workers, the watchdog, the
    /// fault links) is a child, and Akka stops all children before a parent's PostStop.
    /// </summary>
    protected override void PostStop()
    {
        if (_counted)
        {
            _counted = false;
            _metrics.Ended();
        }
        _memory?.Dispose();
    }

    private void BootFailed(string phase, string reason)
    {
        _log.Error("vm {0}: boot failed in phase '{1}': {2}", _config.Name, phase, reason);
        Finish(GuestExitKind.BootFailed, reason);
    }

    private void Finish(GuestExitKind kind, string reason)
    {
        if (_exited)
        {
            return;
        }
        _exited = true;
        _exit = new VmExited(_config.Name, kind, reason);
        if (!_vcpu.IsNobody())
        {
            Context.Stop(_vcpu);
        }
        // The guest kicked its last output before it shut down, so those kicks already sit in
        // the devices' mailboxes. A PoisonPill queues behind them (Context.Stop would not): each
        // device finishes what the guest gave it before the VM is gone, so nothing is lost.
        foreach (var device in _devices)
        {
            if (!device.IsNobody())
            {
                Context.Watch(device);
                device.Tell(PoisonPill.Instance, Self);
                _draining++;
            }
        }
        if (_draining == 0)
        {
            Complete();
            return;
        }
        Timers.StartSingleTimer(DrainTimedOut.Instance, DrainTimedOut.Instance, DrainTimeout);
    }

    private void DeviceDrained()
    {
        if (--_draining == 0)
        {
            Complete();
        }
    }

    private void Complete()
    {
        if (_exit is null)
        {
            return;
        }
        _exitListener.Tell(_exit);
        _exit = null;
        Context.Stop(Self); // and with it the interrupt controller and anything still running
    }

    /// <summary>
    /// A device out of restarts: FAILED in its descriptor (what a legacy guest understands), one
    /// log line, its kicks unregistered. The rest of the VM goes on.
    /// </summary>
    private void OnDeviceGaveUp(DeviceGaveUp gaveUp)
    {
        int i = Array.IndexOf(_devices, gaveUp.Device);
        if (i < 0 || _exited)
        {
            return;
        }
        _states[i].Failed = true;
        _transports[i].SignalFailed();
        _vcpu.Tell(new UnregisterKicks(_kickTargets[i]), Self);
        _log.Error("vm {0}: device {1} failed {2} times within {3}; FAILED to the guest (last: {4})",
            _config.Name, gaveUp.Device.Path.Name, _config.Supervision.MaxRestarts + 1, _config.Supervision.Within, gaveUp.Reason);
    }

    private sealed record DeviceGaveUp(IActorRef Device, string Reason);

    private sealed class DrainTimedOut
    {
        public static readonly DrainTimedOut Instance = new();
    }
}
