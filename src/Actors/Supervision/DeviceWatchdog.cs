using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Supervision;

/// <summary>One device as the watchdog sees it: its actor, its restart-surviving state, and the queues the guest drives with kicks.</summary>
/// <param name="Name">The device's child name (console, net0, blk0).</param>
/// <param name="Device">The device actor (the same ref across restarts).</param>
/// <param name="State">Its queue state, kept by the launcher.</param>
/// <param name="Queues">The queues to watch: index and setup. Receive queues whose buffers wait for host data are not watched.</param>
public sealed record WatchedDevice(string Name, IActorRef Device, VirtioDeviceState State, IReadOnlyList<(int Index, QueueSetup Setup)> Queues);

/// <summary>
/// Nothing hangs silently (issue #6): while a watched queue has outstanding work, every interval
/// the watchdog compares its avail.idx with what the device consumed and whether its in-flight
/// requests progressed.
/// <list type="bullet">
/// <item>Pending work, no progress for one interval: it kicks the queue (a lost kick is recovered
/// by this rescan) and sends the device an <see cref="Identify"/> behind the kick, a probe the
/// device answers when its mailbox reaches it.</item>
/// <item>Progress is judged against the chance the device had (issue 10): only an interval after
/// the device answered a probe, and still made no progress on pending work, counts as stalled. A
/// device starved of its thread (a loaded host, a busy dispatcher) has not answered, is slow but
/// healthy, and is left alone. Stalled for the timeout: it kills the device; the launcher restarts
/// it, and the new incarnation finishes the in-flight requests and rescans.</item>
/// <item>Completions in the last interval: one extra RaiseIrq a tick later (straight to /irq), so
/// a lost IRQ costs the guest at most two intervals, even a guest without a timer.</item>
/// </list>
/// It ticks only while some watched queue has outstanding work or an IRQ to raise again: it goes
/// to sleep when none has, and the next kick wakes it (<see cref="WatchdogArm"/>), so an idle VM
/// costs it nothing. It only reads the rings and the state's progress counters, from its own thread.
/// </summary>
public sealed class DeviceWatchdog : UntypedActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly GuestMemory _memory;
    private readonly IReadOnlyList<WatchedDevice> _devices;
    private readonly IActorRef _interrupts;
    private readonly DeviceSupervision _supervision;
    private readonly WatchdogArm _arm;
    private readonly Track[][] _tracks;
    private long _ticks;
    private long _probes;

    public DeviceWatchdog(GuestMemory memory, IReadOnlyList<WatchedDevice> devices, IActorRef interrupts, DeviceSupervision supervision, WatchdogArm arm)
    {
        _memory = memory;
        _devices = devices;
        _interrupts = interrupts;
        _supervision = supervision;
        _arm = arm;
        _tracks = devices.Select(d => d.Queues.Select(_ => new Track()).ToArray()).ToArray();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Kills (and so restarts) issued because a device sat on pending work.</summary>
    public int Restarts { get; private set; }

    public static Props Props(GuestMemory memory, IReadOnlyList<WatchedDevice> devices, IActorRef interrupts, DeviceSupervision supervision, WatchdogArm? arm = null) =>
        ActorProps.Of(() => new DeviceWatchdog(memory, devices, interrupts, supervision, arm ?? new WatchdogArm()));

    // A switch, not ReceiveActor's Receive<T>: the published host interprets ReceiveActor's
    // expression-tree matcher on every message and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Tick:
                Check();
                break;
            case WakeWatchdog:
                StartTicking();
                break;
            case ActorIdentity identity:
                OnProbeAnswered(identity);
                break;
            case GetWatchdogStatus:
                Sender.Tell(new WatchdogStatus(Timers.IsTimerActive(Tick.Instance), _ticks, Restarts));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PreStart()
    {
        _arm.Attach(Self);
        if (HasOutstandingWork() && _arm.TryArm())
        {
            StartTicking(); // work from before this watchdog (a restart, or a test's posted request)
        }
    }

    private void StartTicking()
    {
        if (!Timers.IsTimerActive(Tick.Instance))
        {
            Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _supervision.WatchdogInterval);
        }
    }

    private void Check()
    {
        _ticks++;
        bool busy = false;
        for (int d = 0; d < _devices.Count; d++)
        {
            var device = _devices[d];
            for (int i = 0; i < device.Queues.Count; i++)
            {
                var track = _tracks[d][i];
                if (!device.State.Started || device.State.Failed)
                {
                    track.Clear();
                    continue;
                }
                var (index, setup) = device.Queues[i];
                busy |= CheckQueue(d, i, device, index, setup, device.State.Queues[index], track);
            }
        }
        if (!busy)
        {
            Sleep();
        }
    }

    /// <summary>
    /// No queue has work and no IRQ waits to be raised again: stop ticking until the next kick. The
    /// look after disarming closes the race with a kick that saw the watchdog still armed.
    /// </summary>
    private void Sleep()
    {
        Timers.Cancel(Tick.Instance);
        _arm.Disarm();
        if (HasOutstandingWork() && _arm.TryArm())
        {
            StartTicking();
        }
    }

    private bool HasOutstandingWork()
    {
        foreach (var device in _devices)
        {
            if (!device.State.Started || device.State.Failed)
            {
                continue;
            }
            foreach (var (index, setup) in device.Queues)
            {
                var queue = device.State.Queues[index];
                if (_memory.ReadU16Acquire(setup.Layout.AvailIdx) != queue.LastAvailIdx || queue.InFlightCount > 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <returns>True while the queue keeps the watchdog awake: pending work, or an IRQ to raise again.</returns>
    private bool CheckQueue(int deviceIndex, int queueIndex, WatchedDevice device, int index, QueueSetup setup, VirtQueueState queue, Track track)
    {
        var layout = setup.Layout;
        ushort usedIdx = _memory.ReadU16Acquire(layout.UsedIdx);
        if (usedIdx != track.UsedIdx)
        {
            track.UsedIdx = usedIdx;
            track.ReRaise = true;
        }
        else if (track.ReRaise)
        {
            track.ReRaise = false;
            if ((_memory.ReadU16Acquire(layout.AvailFlags) & RingLayout.AvailNoInterrupt) == 0)
            {
                _interrupts.Tell(RaiseIrq.For(setup.Irq), Self);
            }
        }

        long progress = queue.Progress;
        bool pending = _memory.ReadU16Acquire(layout.AvailIdx) != queue.LastAvailIdx || queue.InFlightCount > 0;
        if (progress != track.Progress || !pending)
        {
            track.Progress = progress;
            track.Stalled = TimeSpan.Zero;
            track.Probe = 0;
            track.ProbeAnswered = false;
            return pending || track.ReRaise;
        }
        if (track.Probe != 0 && !track.ProbeAnswered)
        {
            return true; // the device has not had its turn since the last probe: starved, not stuck
        }
        if (track.ProbeAnswered)
        {
            track.Stalled += _supervision.WatchdogInterval; // it had its turn and did nothing with the work
        }
        if (track.Stalled >= _supervision.WatchdogTimeout)
        {
            track.Stalled = TimeSpan.Zero;
            track.Probe = 0;
            track.ProbeAnswered = false;
            Restarts++;
            _log.Warning("watchdog: {0} queue {1} made no progress on pending work for {2} while it was answering; restarting it",
                device.Name, index, _supervision.WatchdogTimeout);
            device.Device.Tell(Kill.Instance, Self);
            return true;
        }
        // A kick may have been lost: rescan. The probe behind it comes back when the device has seen it.
        device.Device.Tell(Kick.For(index), Self);
        track.Probe = ++_probes;
        track.ProbeAnswered = false;
        device.Device.Tell(new Identify(new Probe(deviceIndex, queueIndex, track.Probe)), Self);
        return true;
    }

    private void OnProbeAnswered(ActorIdentity identity)
    {
        if (identity.MessageId is Probe probe && _tracks[probe.Device][probe.Queue] is { } track && track.Probe == probe.Sequence)
        {
            track.ProbeAnswered = true;
        }
    }

    private sealed record Probe(int Device, int Queue, long Sequence);

    private sealed class Track
    {
        public long Progress = -1;
        public TimeSpan Stalled;
        public ushort UsedIdx;
        public bool ReRaise;
        public long Probe;
        public bool ProbeAnswered;

        public void Clear()
        {
            Progress = -1;
            Stalled = TimeSpan.Zero;
            ReRaise = false;
            Probe = 0;
            ProbeAnswered = false;
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}

/// <summary>Ask the watchdog how it stands (diagnostics and tests). Replies <see cref="WatchdogStatus"/>.</summary>
public sealed record GetWatchdogStatus
{
    public static readonly GetWatchdogStatus Instance = new();
}

/// <param name="Ticking">Awake: some watched queue has outstanding work.</param>
/// <param name="Ticks">Checks made so far.</param>
/// <param name="Restarts">Devices it killed for sitting on work.</param>
public sealed record WatchdogStatus(bool Ticking, long Ticks, int Restarts);
