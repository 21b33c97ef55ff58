using LguestActors.Actors.Devices.Virtio;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

/// <summary>
/// The lguest transport for one device: its queues from the device page, and FAILED (0x80) in its
/// descriptor's status byte when it breaks — legacy guests do not know virtio 1.0's NEEDS_RESET.
/// </summary>
public sealed class LguestTransport : IVirtioTransport
{
    private readonly GuestMemory _memory;
    private readonly DeviceDescriptor _descriptor;

    public LguestTransport(GuestMemory memory, DeviceDescriptor descriptor, ulong ramSize)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _memory = memory;
        _descriptor = descriptor;
        RamSize = ramSize;
        Queues = descriptor.QueueSetups;
    }

    public IReadOnlyList<QueueSetup> Queues { get; }

    public ulong RamSize { get; }

    public void SignalFailed() =>
        _memory.WriteU8(_descriptor.StatusAddress, (byte)(_memory.ReadU8(_descriptor.StatusAddress) | VirtioStatus.Failed));
}
