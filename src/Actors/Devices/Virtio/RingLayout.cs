using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// Where each part of a legacy split ring of <see cref="Size"/> entries lies when the ring starts
/// at <see cref="Base"/> with lguest's alignment, the page size (virtio 0.9.5 vring_init):
/// descriptor table, available ring, then the used ring at the next page boundary.
/// </summary>
public readonly record struct RingLayout(ulong Base, ushort Size)
{
    public const int Alignment = GuestMemory.PageSize;
    public const int DescriptorSize = 16;
    public const int UsedElementSize = 8;

    public const ushort DescNext = 1;
    public const ushort DescWrite = 2;
    public const ushort DescIndirect = 4;

    /// <summary>VRING_AVAIL_F_NO_INTERRUPT: the guest asks not to be interrupted.</summary>
    public const ushort AvailNoInterrupt = 1;

    /// <summary>VRING_USED_F_NO_NOTIFY: the device asks not to be kicked.</summary>
    public const ushort UsedNoNotify = 1;

    public ulong DescriptorTable => Base;

    public ulong Descriptor(int index) => Base + (ulong)(index * DescriptorSize);

    public ulong Avail => Base + (ulong)(Size * DescriptorSize);

    public ulong AvailFlags => Avail;

    public ulong AvailIdx => Avail + 2;

    public ulong AvailRing(int slot) => Avail + 4 + (ulong)(slot * 2);

    /// <summary>used_event, after the available ring (VIRTIO_RING_F_EVENT_IDX).</summary>
    public ulong UsedEvent => Avail + 4 + (ulong)(Size * 2);

    public ulong Used => AlignUp(Avail + 6 + (ulong)(Size * 2));

    public ulong UsedFlags => Used;

    public ulong UsedIdx => Used + 2;

    public ulong UsedRing(int slot) => Used + 4 + (ulong)(slot * UsedElementSize);

    /// <summary>avail_event, after the used ring (VIRTIO_RING_F_EVENT_IDX).</summary>
    public ulong AvailEvent => Used + 4 + (ulong)(Size * UsedElementSize);

    /// <summary>One past the last byte of the ring.</summary>
    public ulong End => AvailEvent + 2;

    /// <summary>vring_size(num, 4096): bytes of a ring of <paramref name="size"/> entries.</summary>
    public static ulong ByteSize(ushort size) => new RingLayout(0, size).End;

    /// <summary>The whole pages a ring takes: ceil(vring_size(num, 4096) / 4096).</summary>
    public static uint Pages(ushort size) => (uint)((ByteSize(size) + Alignment - 1) / Alignment);

    private static ulong AlignUp(ulong value) => (value + Alignment - 1) & ~(ulong)(Alignment - 1);
}
