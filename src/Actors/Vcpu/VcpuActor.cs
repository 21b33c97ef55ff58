using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Interrupts;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Time;
using LguestActors.Cpu;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Vcpu;

/// <summary>
/// The Switcher and Host module of lguest as one actor: runs the guest in bounded slices,
/// serving between them the hypercalls that need the outside world, IRQ delivery, the clock
/// event, Break and NOTIFY. Its parent (the launcher) hears <see cref="GuestNotify"/> and
/// <see cref="GuestExited"/>.
/// </summary>
public sealed partial class VcpuActor : UntypedActor, IWithTimers
{
    /// <summary>Bound on a SHUTDOWN reason string, as lguest bounded it to a page's worth.</summary>
    public const int MaxReasonLength = 1024;

    private const string ClockTimerKey = "clockevent";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PendingIrqs _pending;
    private readonly VcpuOptions _options;
    private readonly Dictionary<uint, (IActorRef Device, Kick Kick, Supervision.WatchdogArm? Watchdog, KeyValuePair<string, object?>[]? Tags)> _kicks = [];
    private readonly VcpuCounters _stats = new();
    private readonly TimeProvider _clock;

    /// <summary>The simulated world this vCPU's instructions drive the clock of, or null in real time.</summary>
    private readonly IVirtualWorld? _world;

    /// <summary>Where slices, instructions, hypercalls, kicks and deliveries are counted: written, never read back.</summary>
    private readonly Telemetry.VmMetrics? _metrics;

    private IGuestCpu? _cpu;
    private bool _running;
    private bool _halted;
    private bool _parked;
    private bool _servingNotify;
    private bool _continuePosted;
    private uint _noHandlerLogged;
    private long _slices;
    private long _retired;

    public VcpuActor(PendingIrqs pending, VcpuOptions options)
    {
        _pending = pending;
        _options = options;
        _world = WorldTime.VirtualWorldOf(Context.System);
        _clock = options.Clock ?? WorldTime.ClockOf(Context.System);
        _metrics = options.Metrics;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PendingIrqs pending, VcpuOptions? options = null) =>
        ActorProps.Of(() => new VcpuActor(pending, options ?? VcpuOptions.Default));

    private void OnInitialize(Initialize init)
    {
        if (_cpu is not null)
        {
            _log.Warning("ignoring a second Initialize: the guest is already running");
            return;
        }
        // LHREQ_INITIALIZE: start at the kernel entry with ESI = 0 (the zero page), interrupts
        // on in EFLAGS (lguest keeps the real IF in lguest_data), paging on the launcher's pgdir.
        var cpu = _options.CpuFactory?.Invoke(init.Memory) ?? new InterpreterCpu(init.Memory, _options.Engine);
        cpu.Eip = init.Start;
        cpu.Esi = 0;
        cpu.Eflags = 0x202;
        cpu.LoadCr3(init.Pgdir);
        // RDTSC and tsc_khz keep real (or simulated) time, halted or not: Linux's clocksource.
        cpu.Tsc = _options.Tsc ?? new ClockTsc(_clock);
        _cpu = cpu;
        _running = true;
        ScheduleSlice();
    }

    private void ScheduleSlice()
    {
        if (_running && !_parked && !_halted && !_servingNotify && !_continuePosted)
        {
            _continuePosted = true;
            Self.Tell(Continue.Instance);
        }
    }

    private void RunSlice()
    {
        if (_cpu is null || !_running || _parked || _halted || _servingNotify)
        {
            return;
        }
        _slices++;
        try
        {
            UpdateGuestClock(_cpu);
            FireClockEventIfDue();
            DeliverPendingIrqs(_cpu);
            var exit = _cpu.Run(_options.SliceBudget);
            _retired += exit.Executed;
            _metrics?.Slice(exit.Executed); // once per slice: the interpreter's loop stays untouched
            _world?.Retire(exit.Executed); // in simulation, guest time is retired instructions
            switch (exit.Reason)
            {
                case ExitReason.BudgetSpent:
                    break;
                case ExitReason.Hypercall:
                    ServeHypercall(_cpu);
                    break;
                case ExitReason.Halt:
                    Halt(_cpu);
                    break;
                case ExitReason.Pause:
                    YieldToDevices();
                    break;
                case ExitReason.Fault:
                    Exit(GuestExitKind.GuestFault, _cpu.Fault?.ToString() ?? "guest fault with no diagnostic");
                    break;
            }
        }
        catch (GuestMemoryException e)
        {
            Exit(GuestExitKind.GuestFault, $"guest fault: {e.Message} (EIP 0x{_cpu.Eip:x8})");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // An interpreter gap or bug must end this guest with a diagnostic, not restart the
            // actor: a restarted vCPU would have lost the guest's registers.
            Exit(GuestExitKind.GuestFault, $"vCPU cannot continue: {e.GetType().Name}: {e.Message} (EIP 0x{_cpu.Eip:x8})");
        }
        ScheduleSlice();
    }

    /// <summary>
    /// Delivers the lowest pending IRQ the guest accepts now, as lguest's maybe_do_interrupt did
    /// before each run: IRQs masked in blocked_interrupts are not considered at all (a higher one
    /// may go); Disabled and NoIrqWindow wait for the guest; an IRQ with no handler is dropped,
    /// logged once. Afterwards irq_pending says whether an IRQ the guest would take still waits
    /// (lguest's try_deliver_interrupt cleared it once delivered): a stale flag would turn every
    /// interrupt enable into a SEND_INTERRUPTS hypercall.
    /// </summary>
    private void DeliverPendingIrqs(IGuestCpu cpu)
    {
        uint blocked = TryLguestData(cpu, out ulong data) ? cpu.Memory.ReadU32(data + LguestDataLayout.BlockedInterrupts) : 0;
        try
        {
            DeliverLowestIrq(cpu, blocked);
        }
        finally
        {
            if (data != 0 && _pending.Lowest(blocked) < 0 && cpu.Memory.ReadU32(data + LguestDataLayout.IrqPending) != 0)
            {
                cpu.Memory.WriteU32(data + LguestDataLayout.IrqPending, 0);
            }
        }
    }

    private void DeliverLowestIrq(IGuestCpu cpu, uint blocked)
    {
        uint skipped = blocked;
        while (true)
        {
            int irq = _pending.Lowest(skipped);
            if (irq < 0)
            {
                return;
            }
            switch (cpu.TryDeliverIrq(irq))
            {
                case IrqDelivery.Delivered:
                    _pending.Clear(irq);
                    _world?.Observe("irq", irq, _retired);
                    _metrics?.IrqDelivered(irq);
                    return;
                case IrqDelivery.Blocked:
                    skipped |= 1u << irq;
                    break;
                case IrqDelivery.Disabled:
                case IrqDelivery.NoIrqWindow:
                    return;
                case IrqDelivery.NoHandler:
                    if ((_noHandlerLogged & (1u << irq)) == 0)
                    {
                        _noHandlerLogged |= 1u << irq;
                        _log.Warning("dropping IRQ {0}: the guest has no handler for vector {1}", irq, LguestDataLayout.IrqVectorBase + irq);
                    }
                    _pending.Clear(irq);
                    break;
            }
        }
    }

    private void OnIrqPending()
    {
        if (_cpu is not null && _halted && HasWakingIrq(_cpu))
        {
            Wake(_cpu);
        }
        ScheduleSlice();
    }

    private void Halt(IGuestCpu cpu)
    {
        _halted = true;
        if (HasWakingIrq(cpu))
        {
            Wake(cpu);
        }
    }

    /// <summary>HALT means "enable interrupts and wait": lguest set irq_enabled when waking the guest.</summary>
    private void Wake(IGuestCpu cpu)
    {
        _halted = false;
        if (TryLguestData(cpu, out ulong data))
        {
            cpu.Memory.WriteU32(data + LguestDataLayout.IrqEnabled, LguestDataLayout.InterruptsOn);
        }
    }

    /// <summary>
    /// lguest's interrupt_pending: a pending IRQ the guest has not masked in blocked_interrupts;
    /// none at all before the guest registered lguest_data.
    /// </summary>
    private bool HasWakingIrq(IGuestCpu cpu)
    {
        if (!TryLguestData(cpu, out ulong data))
        {
            return false;
        }
        return _pending.Lowest(cpu.Memory.ReadU32(data + LguestDataLayout.BlockedInterrupts)) >= 0;
    }

    /// <summary>The device a kick route leads to, by name: a fault link in front of it is named after it.</summary>
    private static string DeviceName(IActorRef device)
    {
        string name = device.Path.Name;
        return name.EndsWith(Faults.FaultLink.KickSuffix, StringComparison.Ordinal) ? name[..^Faults.FaultLink.KickSuffix.Length] : name;
    }

    private static bool TryLguestData(IGuestCpu cpu, out ulong address)
    {
        address = cpu.LguestDataAddress;
        return address != 0 && cpu.Memory.Contains(address, LguestDataLayout.Size);
    }

    private void Exit(GuestExitKind kind, string reason)
    {
        if (!_running)
        {
            return;
        }
        _running = false;
        Timers.CancelAll();
        _clockDeadline = -1;
        CancelClockTimer();
        Context.Parent.Tell(new GuestExited(kind, reason));
    }
}
