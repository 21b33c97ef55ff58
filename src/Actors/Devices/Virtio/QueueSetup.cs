namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// One virtqueue as a device sees it: its index, size, IRQ and where its ring lies. How the queue
/// was found (the lguest device page) is the transport's business, not the device's.
/// </summary>
public sealed record QueueSetup(int Index, ushort Size, int Irq, ulong RingAddress)
{
    public RingLayout Layout => new(RingAddress, Size);
}

/// <summary>
/// What a device needs from its transport besides its queues: a way to tell the guest it broke
/// (lguest: FAILED in the descriptor's status byte).
/// </summary>
public interface IVirtioTransport
{
    IReadOnlyList<QueueSetup> Queues { get; }

    /// <summary>Guest RAM size: every buffer a chain names must lie inside [0, RamSize).</summary>
    ulong RamSize { get; }

    /// <summary>Marks the device broken to the guest until it resets it.</summary>
    void SignalFailed();
}
