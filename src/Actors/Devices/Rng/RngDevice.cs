using Akka.Actor;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Rng;

/// <summary>
/// The virtio entropy device (device id 4): one request queue of device-writable buffers, each
/// filled from the <see cref="IEntropySource"/> and returned with the length written. virtio-rng
/// lets the device return fewer bytes than the buffer holds, so one request gets at most
/// <see cref="MaxBytesPerRequest"/>: a guest posting a huge buffer cannot hold the actor for long.
/// The lifecycle (start, reset, restart, FAILED, IRQs) is <see cref="VirtioDevice"/>'s.
/// </summary>
public sealed class RngDevice : VirtioDevice
{
    public const byte VirtioId = 4;
    public const int QueueCount = 1;
    public const int RequestQueue = 0;
    public const int MaxBytesPerRequest = 64 * 1024;

    private readonly IEntropySource _source;
    private readonly RngDeviceState _state;
    private readonly byte[] _scratch = new byte[4096];

    public RngDevice(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, IEntropySource source, RngDeviceState state)
        : base("rng", memory, transport, interrupts, state.Virtio, OfferedFeatures(), ChainDirection.WriteOnly)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _state = state;
    }

    /// <summary>virtio-rng has no device features: the ring features the shared engine implements.</summary>
    public static byte[] OfferedFeatures() =>
        FeatureBits.Of(FeatureBits.DefaultLength, FeatureBits.RingIndirectDesc, FeatureBits.RingEventIdx);

    public static Props Props(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, IEntropySource source, RngDeviceState state) =>
        ActorProps.Of(() => new RngDevice(memory, transport, interrupts, source, state));

    protected override void ServeQueue(int queue, VirtQueue vq)
    {
        while (vq.TryPop(out var chain))
        {
            vq.Complete(chain.Head, vq.ApplyOnce(chain, Fill));
        }
        RaiseIfWanted(vq);
    }

    /// <summary>
    /// After a restart: a buffer already filled is published with its recorded length (the guest
    /// never gets the same request answered twice); one not yet filled is filled now.
    /// </summary>
    protected override void FinishInFlightChains(IReadOnlyList<VirtQueue> queues)
    {
        var vq = queues[RequestQueue];
        foreach (var chain in vq.InFlightChains())
        {
            vq.Complete(chain.Head, vq.ApplyOnce(chain, Fill));
        }
        ServeQueue(RequestQueue, vq);
    }

    private uint Fill(DescriptorChain chain)
    {
        int total = (int)Math.Min(chain.WritableLength, MaxBytesPerRequest);
        int done = 0;
        foreach (var segment in chain.Segments)
        {
            int length = (int)Math.Min(segment.Length, (uint)(total - done));
            for (int at = 0; at < length;)
            {
                int n = Math.Min(length - at, _scratch.Length);
                var bytes = _scratch.AsSpan(0, n);
                _source.Fill(bytes);
                Memory.Write(segment.Address + (ulong)at, bytes);
                at += n;
            }
            done += length;
            if (done == total)
            {
                break;
            }
        }
        _state.Requests++;
        _state.Bytes += done;
        return (uint)done;
    }
}
