using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// The virtio net device (device id 1): queue 0 (receiveq) takes frames from the backend into
/// buffers the guest posted, queue 1 (transmitq) carries the guest's frames to the backend. Every
/// frame on either queue is preceded by the 10-byte legacy <see cref="NetHeader"/>. A frame that
/// finds no buffer, or one too small, is dropped and counted: a slow guest never blocks the
/// sender, and the <see cref="NetInbox"/> bounds what waits in the mailbox.
/// </summary>
public sealed partial class NetDevice : ReceiveActor
{
    public const byte VirtioId = 1;
    public const int QueueCount = 2;
    public const int ReceiveQueue = 0;
    public const int TransmitQueue = 1;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly GuestMemory _memory;
    private readonly IVirtioTransport _transport;
    private readonly IActorRef _interrupts;
    private readonly INetBackend _backend;
    private readonly MacAddress _mac;
    private readonly NetDeviceState _state;
    private readonly byte[] _rxScratch = new byte[NetHeader.Size + EthernetFrame.MaxSize];

    /// <summary>A receive buffer taken from the ring that the last frame did not fit; the next frame tries it first.</summary>
    private DescriptorChain? _heldRx;
    private VirtQueue[]? _queues;
    private bool _flushScheduled;

    /// <summary>A restarted incarnation finishes its predecessor's chains before it takes new ones (frames keep their order).</summary>
    private bool _mustFinishInFlight;

    public NetDevice(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, INetBackend backend, MacAddress mac, NetDeviceState state)
    {
        _memory = memory;
        _transport = transport;
        _interrupts = interrupts;
        _backend = backend;
        _mac = mac;
        _state = state;
        if (_state.Virtio.Started && !_state.Virtio.Failed)
        {
            _queues = BuildQueues(_state.Virtio.Features); // a restart: carry on where the last incarnation stopped
            _mustFinishInFlight = true;
        }

        Receive<NetFrameIn>(OnFrame);
        Receive<NetFramesIn>(OnFrames);
        Receive<Kick>(OnKick);
        Receive<FlushReceive>(_ => OnFlushReceive());
        Receive<StartDevice>(OnStart);
        Receive<ResetDevice>(_ => OnReset());
        Receive<GetNetStats>(_ => Sender.Tell(Stats()));
        Receive<FinishNetInFlight>(_ => FinishInFlightFirst());
        Receive<Network.PortAttached>(_ => { });
    }

    public MacAddress Mac => _mac;

    public static Props Props(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, INetBackend backend, MacAddress mac, NetDeviceState state) =>
        Akka.Actor.Props.Create(() => new NetDevice(memory, transport, interrupts, backend, mac, state));

    protected override void PreStart()
    {
        if (_queues is not null)
        {
            Self.Tell(FinishNetInFlight.Instance);
        }
        if (_state.BackendStarted)
        {
            return;
        }
        _state.BackendStarted = true;
        _state.Inbox.Metrics = _state.Virtio.Metrics;
        _backend.Start(Self, _mac, _state.Inbox);
    }

    protected override void PostStop() => _backend.Stop(Self);

    // A restart is not a stop: the backend stays connected (PostStop runs only when the actor is gone).
    protected override void PreRestart(Exception reason, object message)
    {
        foreach (var child in Context.GetChildren())
        {
            Context.Stop(child);
        }
    }

    private NetStats Stats() => new(
        _mac, _state.TxFrames, _state.TxBytes, _state.TxDropped, _state.RxFrames, _state.RxBytes,
        _state.RxDroppedNoBuffer, _state.RxDroppedOversize, _state.Inbox.Dropped);

    private void OnStart(StartDevice start)
    {
        switch (_state.Virtio.Start(NetConfig.OfferedFeatures(), start.AcceptedFeatures.Span))
        {
            case DeviceStart.AlreadyStarted:
                return;
            case DeviceStart.WaitsForReset:
                _log.Warning("net: start (status 0x{0:x2}) ignored: the device failed and waits for a reset", start.Status);
                return;
        }
        _queues = BuildQueues(_state.Virtio.Features);
        Guarded(ReceiveQueue, AskNoReceiveKicks);
        Serve(TransmitQueue); // frames the guest queued before it notified the status
    }

    private void OnReset()
    {
        _state.Virtio.Reset();
        _queues = null;
        _heldRx = null;
    }

    private void OnKick(Kick kick)
    {
        if (!_state.Virtio.Started)
        {
            _log.Info("net: kick of queue {0} before the device started; ignored", kick.Queue);
            return;
        }
        Serve(kick.Queue);
    }

    private void Serve(int queue)
    {
        if (_queues is null || _state.Virtio.Failed)
        {
            return;
        }
        if ((uint)queue >= (uint)_queues.Length)
        {
            _log.Warning("net: kick of queue {0}, which does not exist", queue);
            return;
        }
        if (FinishInFlightFirst())
        {
            return; // finishing rescans the transmit queue
        }
        // A receive kick only says "more buffers": frames that found none were already dropped.
        if (queue == TransmitQueue)
        {
            var tx = _queues[TransmitQueue];
            Guarded(queue, () => Transmit(tx));
        }
    }

    private bool FinishInFlightFirst()
    {
        if (!_mustFinishInFlight)
        {
            return false;
        }
        _mustFinishInFlight = false;
        Guarded(TransmitQueue, FinishInFlightChains);
        return true;
    }

    /// <summary>Runs queue work; a guest that broke the ring rules fails the device instead of the actor.</summary>
    private void Guarded(int queue, Action work)
    {
        if (!GuestRules.TryRun(work, out string? breach))
        {
            Fail(queue, breach);
        }
    }

    /// <summary>
    /// After a restart: frames taken but not completed are sent now unless the previous
    /// incarnation sent them (exactly once), a receive buffer that already holds a frame is
    /// published, and an empty one held is held again: a restart loses neither frame nor buffer.
    /// </summary>
    private void FinishInFlightChains()
    {
        if (_queues is null || _state.Virtio.Failed)
        {
            return;
        }
        var tx = _queues[TransmitQueue];
        var burst = new List<byte[]>();
        try
        {
            foreach (var chain in tx.InFlightChains())
            {
                tx.Complete(chain.Head, tx.ApplyOnce(chain, c =>
                {
                    if (SendChain(c) is { } frame)
                    {
                        burst.Add(frame);
                    }
                    return 0;
                }));
            }
        }
        finally
        {
            if (burst.Count > 0)
            {
                _backend.SendMany(Self, burst);
            }
        }
        var rx = _queues[ReceiveQueue];
        var held = new List<DescriptorChain>();
        foreach (var chain in rx.InFlightChains())
        {
            if (rx.State.TryGetApplied(chain.Head, out uint written))
            {
                rx.Complete(chain.Head, written); // the frame is in the buffer: publish it, once
            }
            else
            {
                held.Add(chain);
            }
        }
        _heldRx = held.Count > 0 ? held[0] : null;
        foreach (var extra in held.Skip(1))
        {
            rx.Complete(extra.Head, 0);
        }
        RaiseIfWanted(rx);
        Transmit(tx);
    }

    /// <summary>
    /// VRING_USED_F_NO_NOTIFY on the receive queue: every frame looks at the available ring
    /// anyway and a receive kick does nothing, so a guest that honours the flag saves the exit.
    /// </summary>
    private void AskNoReceiveKicks()
    {
        if (_queues is not null)
        {
            _memory.WriteU16Release(_queues[ReceiveQueue].Layout.UsedFlags, RingLayout.UsedNoNotify);
        }
    }

    private void RaiseIfWanted(VirtQueue queue)
    {
        if (queue.ShouldInterrupt())
        {
            _interrupts.Tell(RaiseIrq.For(queue.Setup.Irq), Self);
        }
    }

    /// <summary>A guest bug: FAILED to the guest, one clear line in the log, nothing served until reset.</summary>
    private void Fail(int queue, string reason)
    {
        _state.Virtio.Failed = true;
        _queues = null;
        _heldRx = null;
        _transport.SignalFailed();
        _log.Error("net: queue {0} broke a virtqueue rule, device FAILED until the guest resets it: {1}", queue, reason);
    }

    private VirtQueue[] BuildQueues(RingFeatures features)
    {
        var setups = _transport.Queues;
        if (setups.Count != QueueCount)
        {
            throw new InvalidOperationException($"the net device has {QueueCount} queues, its transport gave {setups.Count}");
        }
        return
        [
            new VirtQueue(_memory, setups[ReceiveQueue], _transport.RamSize, ChainDirection.WriteOnly, features, _state.Virtio.Queues[ReceiveQueue]),
            new VirtQueue(_memory, setups[TransmitQueue], _transport.RamSize, ChainDirection.ReadOnly, features, _state.Virtio.Queues[TransmitQueue]),
        ];
    }
}
