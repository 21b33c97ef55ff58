namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// A frame (Ethernet header onward, no virtio-net header) arriving for the guest, from the switch
/// or another backend. The array is never written after it is sent.
/// </summary>
public sealed record NetFrameIn(byte[] Frame);

/// <summary>
/// Several frames for the guest in one message (a burst the switch routed in one turn): one
/// mailbox hop and at most one receive IRQ for all of them. Each frame counts against the
/// <see cref="NetInbox"/> bound as if sent alone; the arrays are never written after sending.
/// </summary>
public sealed record NetFramesIn(IReadOnlyList<byte[]> Frames);

/// <summary>Ask a NetDevice for its counters; it answers <see cref="NetStats"/>.</summary>
public sealed record GetNetStats
{
    public static readonly GetNetStats Instance = new();
}

/// <summary>A NetDevice's counters since it was created (they survive actor restarts and resets).</summary>
public sealed record NetStats(
    MacAddress Mac,
    long TxFrames,
    long TxBytes,
    long TxDropped,
    long RxFrames,
    long RxBytes,
    long RxDroppedNoBuffer,
    long RxDroppedOversize,
    long RxDroppedBacklog);

/// <summary>Internal: raise the receive IRQ once the frames already in the mailbox are in.</summary>
internal sealed record FlushReceive
{
    public static readonly FlushReceive Instance = new();
}
