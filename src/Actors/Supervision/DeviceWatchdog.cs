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
/// Nothing hangs silently (issue #6): every interval the watchdog compares each watched queue's
/// avail.idx with what its device consumed and whether its in-flight requests progressed.
/// <list type="bullet">
/// <item>Pending work, no progress for one interval: it kicks the queue (a lost kick is recovered
/// by this rescan).</item>
/// <item>No progress for the timeout: it kills the device; the launcher restarts it, and the new
/// incarnation finishes the in-flight requests and rescans.</item>
/// <item>Completions in the last interval: one extra RaiseIrq a tick later (straight to /irq), so
/// a lost IRQ costs the guest at most two intervals, even a guest without a timer.</item>
/// </list>
/// It only reads the rings and the state's progress counters, from its own thread.
/// </summary>
public sealed class DeviceWatchdog : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly GuestMemory _memory;
    private readonly IReadOnlyList<WatchedDevice> _devices;
    private readonly IActorRef _interrupts;
    private readonly DeviceSupervision _supervision;
    private readonly Track[][] _tracks;

    public DeviceWatchdog(GuestMemory memory, IReadOnlyList<WatchedDevice> devices, IActorRef interrupts, DeviceSupervision supervision)
    {
        _memory = memory;
        _devices = devices;
        _interrupts = interrupts;
        _supervision = supervision;
        _tracks = devices.Select(d => d.Queues.Select(_ => new Track()).ToArray()).ToArray();
        Receive<Tick>(_ => Check());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Kills (and so restarts) issued because a device sat on pending work.</summary>
    public int Restarts { get; private set; }

    public static Props Props(GuestMemory memory, IReadOnlyList<WatchedDevice> devices, IActorRef interrupts, DeviceSupervision supervision) =>
        Akka.Actor.Props.Create(() => new DeviceWatchdog(memory, devices, interrupts, supervision));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _supervision.WatchdogInterval);

    private void Check()
    {
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
                CheckQueue(device, index, setup, device.State.Queues[index], track);
            }
        }
    }

    private void CheckQueue(WatchedDevice device, int index, QueueSetup setup, VirtQueueState queue, Track track)
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
            return;
        }
        track.Stalled += _supervision.WatchdogInterval;
        if (track.Stalled == _supervision.WatchdogInterval)
        {
            device.Device.Tell(Kick.For(index), Self); // a kick may have been lost: rescan
        }
        if (track.Stalled >= _supervision.WatchdogTimeout)
        {
            track.Stalled = TimeSpan.Zero;
            Restarts++;
            _log.Warning("watchdog: {0} queue {1} made no progress on pending work for {2}; restarting it", device.Name, index, _supervision.WatchdogTimeout);
            device.Device.Tell(Kill.Instance, Self);
        }
    }

    private sealed class Track
    {
        public long Progress = -1;
        public TimeSpan Stalled;
        public ushort UsedIdx;
        public bool ReRaise;

        public void Clear()
        {
            Progress = -1;
            Stalled = TimeSpan.Zero;
            ReRaise = false;
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
