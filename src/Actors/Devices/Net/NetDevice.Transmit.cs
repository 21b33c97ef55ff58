using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Net;

// The transmit queue: the guest's frames, header checked and stripped, to the backend.
public sealed partial class NetDevice
{
    /// <summary>Every frame the guest queued, handed to the backend as one burst.</summary>
    private void Transmit(VirtQueue tx)
    {
        List<byte[]>? burst = null;
        try
        {
            while (tx.TryPop(out var chain))
            {
                // Joining the burst is the side effect: the finally sends it even if a later step
                // throws, so it is recorded (ApplyOnce) and a restart does not send it again.
                tx.Complete(chain.Head, tx.ApplyOnce(chain, c =>
                {
                    if (SendChain(c) is { } frame)
                    {
                        (burst ??= []).Add(frame);
                    }
                    return 0;
                }));
            }
        }
        finally
        {
            if (burst is not null)
            {
                _backend.SendMany(Self, burst); // what was taken before a ring fault still goes
            }
        }
        RaiseIfWanted(tx);
    }

    /// <summary>The frame of a transmit chain (virtio-net header checked and stripped), or null when dropped.</summary>
    private byte[]? SendChain(DescriptorChain chain)
    {
        if (chain.ReadableLength < NetHeader.Size)
        {
            throw new VirtQueueException($"transmit chain {chain.Head} is {chain.ReadableLength} bytes, shorter than the {NetHeader.Size}-byte virtio-net header");
        }
        if (chain.ReadableLength > NetHeader.Size + EthernetFrame.MaxSize)
        {
            _state.TxDropped++;
            _state.Virtio.Metrics?.FrameDropped("bad_length");
            return null;
        }
        Span<byte> header = stackalloc byte[NetHeader.Size];
        var frame = new byte[chain.ReadableLength - NetHeader.Size];
        ReadReadable(chain, header, frame);
        var problem = NetHeader.Read(header).ProblemWithoutOffloads();
        if (problem is not null)
        {
            throw new VirtQueueException($"transmit chain {chain.Head}: the virtio-net header {problem}");
        }
        if (!EthernetFrame.IsValidSize(frame.Length))
        {
            _state.TxDropped++;
            _state.Virtio.Metrics?.FrameDropped("bad_length");
            return null;
        }
        _state.TxFrames++;
        _state.Virtio.Metrics?.FrameSent();
        _state.TxBytes += frame.Length;
        return frame;
    }

    /// <summary>Copies the chain's readable bytes straight from guest memory: the header, then the frame.</summary>
    private void ReadReadable(DescriptorChain chain, Span<byte> header, Span<byte> frame)
    {
        int at = 0;
        foreach (var s in chain.Segments)
        {
            if (s.Writable)
            {
                continue;
            }
            int length = (int)s.Length;
            ulong address = s.Address;
            if (at < header.Length)
            {
                int n = Math.Min(length, header.Length - at);
                Memory.Read(address, header.Slice(at, n));
                at += n;
                address += (ulong)n;
                length -= n;
            }
            if (length > 0)
            {
                Memory.Read(address, frame.Slice(at - header.Length, length));
                at += length;
            }
        }
    }
}
