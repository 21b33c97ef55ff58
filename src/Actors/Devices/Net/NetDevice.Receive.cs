using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Net;

// The receive queue: frames from the backend into buffers the guest posted.
public sealed partial class NetDevice
{
    private void OnFrame(NetFrameIn frameIn)
    {
        _state.Inbox.Taken();
        Receive(frameIn.Frame);
        ScheduleFlush();
    }

    /// <summary>A burst from the switch: every frame in order, then (at most) one IRQ for all of them.</summary>
    private void OnFrames(NetFramesIn framesIn)
    {
        var frames = framesIn.Frames;
        _state.Inbox.Taken(frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Receive(frames[i]);
        }
        // The burst is already whole: raise now rather than one mailbox hop later. A guest
        // still draining has VRING_AVAIL_F_NO_INTERRUPT set, so bursts do not pile up IRQs.
        if (!_flushScheduled && Running)
        {
            RaiseIfWanted(Queues![ReceiveQueue]);
        }
    }

    private void Receive(byte[] frame)
    {
        FinishInFlightFirst();
        if (!Running)
        {
            _state.RxDroppedNoBuffer++;
            _state.Virtio.Metrics?.FrameDropped("no_buffer");
            return;
        }
        if (frame.Length > EthernetFrame.MaxSize)
        {
            _state.RxDroppedOversize++;
            _state.Virtio.Metrics?.FrameDropped("oversize");
            return;
        }
        var rx = Queues![ReceiveQueue];
        Guarded(ReceiveQueue, () => Deliver(rx, frame));
    }

    private void Deliver(VirtQueue rx, byte[] frame)
    {
        var chain = _heldRx;
        _heldRx = null;
        if (chain is null && !rx.TryPop(out chain))
        {
            _state.RxDroppedNoBuffer++;
            _state.Virtio.Metrics?.FrameDropped("no_buffer");
            return;
        }
        int total = NetHeader.Size + frame.Length;
        if (chain.WritableLength < total)
        {
            _heldRx = chain; // the frame does not fit; the buffer waits for one that does
            _state.RxDroppedOversize++;
            _state.Virtio.Metrics?.FrameDropped("oversize");
            return;
        }
        // No offloads were offered: the header says nothing (flags 0, GSO_NONE).
        var scratch = _rxScratch.AsSpan(0, total);
        scratch[..NetHeader.Size].Clear();
        frame.CopyTo(scratch[NetHeader.Size..]);
        rx.ApplyOnce(chain, c =>
        {
            c.Write(Memory, _rxScratch.AsSpan(0, total));
            return (uint)total;
        });
        rx.Complete(chain.Head, (uint)total);
        _state.RxFrames++;
        _state.Virtio.Metrics?.FrameReceived();
        _state.RxBytes += frame.Length;
    }

    /// <summary>One IRQ for a burst: FlushReceive queues behind the frames already in the mailbox.</summary>
    private void ScheduleFlush()
    {
        if (!_flushScheduled && Queues is { } queues && queues[ReceiveQueue].State.UsedIdx != queues[ReceiveQueue].State.SignalledUsedIdx)
        {
            _flushScheduled = true;
            Self.Tell(FlushReceive.Instance);
        }
    }

    private void OnFlushReceive()
    {
        _flushScheduled = false;
        if (Running)
        {
            RaiseIfWanted(Queues![ReceiveQueue]);
        }
    }
}
