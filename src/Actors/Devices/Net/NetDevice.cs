using Akka.Actor;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// The virtio net device (device id 1): queue 0 (receiveq) takes frames from the backend into
/// buffers the guest posted, queue 1 (transmitq) carries the guest's frames to the backend. Every
/// frame on either queue is preceded by the 10-byte legacy <see cref="NetHeader"/>. A frame that
/// finds no buffer, or one too small, is dropped and counted: a slow guest never blocks the
/// sender, and the <see cref="NetInbox"/> bounds what waits in the mailbox. The lifecycle (start,
/// reset, restart, FAILED, IRQs) is <see cref="VirtioDevice"/>'s.
/// </summary>
public sealed partial class NetDevice : VirtioDevice
{
    public const byte VirtioId = 1;
    public const int QueueCount = 2;
    public const int ReceiveQueue = 0;
    public const int TransmitQueue = 1;

    private readonly INetBackend _backend;
    private readonly MacAddress _mac;
    private readonly NetDeviceState _state;
    private readonly byte[] _rxScratch = new byte[NetHeader.Size + EthernetFrame.MaxSize];

    /// <summary>A receive buffer taken from the ring that the last frame did not fit; the next frame tries it first.</summary>
    private DescriptorChain? _heldRx;
    private bool _flushScheduled;

    public NetDevice(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, INetBackend backend, MacAddress mac, NetDeviceState state)
        : base("net", memory, transport, interrupts, state.Virtio, NetConfig.OfferedFeatures(), ChainDirection.WriteOnly, ChainDirection.ReadOnly)
    {
        _backend = backend;
        _mac = mac;
        _state = state;
    }

    public MacAddress Mac => _mac;

    public static Props Props(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, INetBackend backend, MacAddress mac, NetDeviceState state) =>
        ActorProps.Of(() => new NetDevice(memory, transport, interrupts, backend, mac, state));

    protected override bool OnDeviceMessage(object message)
    {
        switch (message)
        {
            case NetFrameIn frame:
                OnFrame(frame);
                return true;
            case NetFramesIn frames:
                OnFrames(frames);
                return true;
            case FlushReceive:
                OnFlushReceive();
                return true;
            case GetNetStats:
                Sender.Tell(Stats());
                return true;
            case Network.PortAttached:
                return true; // the switch's answer to AttachPort: nothing to do
            default:
                return false;
        }
    }

    protected override void PreStart()
    {
        base.PreStart();
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

    protected override void OnStarted()
    {
        Guarded(ReceiveQueue, AskNoReceiveKicks);
        Serve(TransmitQueue); // frames the guest queued before it notified the status
    }

    protected override void OnQueuesDropped() => _heldRx = null;

    /// <summary>A receive kick only says "more buffers": frames that found none were already dropped.</summary>
    protected override void ServeQueue(int queue, VirtQueue vq)
    {
        if (queue == TransmitQueue)
        {
            Transmit(vq);
        }
    }

    /// <summary>
    /// After a restart: frames taken but not completed are sent now unless the previous
    /// incarnation sent them (exactly once), a receive buffer that already holds a frame is
    /// published, and an empty one held is held again: a restart loses neither frame nor buffer.
    /// </summary>
    protected override void FinishInFlightChains(IReadOnlyList<VirtQueue> queues)
    {
        var tx = queues[TransmitQueue];
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
        var rx = queues[ReceiveQueue];
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
        if (Queues is not null)
        {
            Memory.WriteU16Release(Queues[ReceiveQueue].Layout.UsedFlags, RingLayout.UsedNoNotify);
        }
    }
}
