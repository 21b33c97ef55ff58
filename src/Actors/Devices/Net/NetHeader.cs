using System.Buffers.Binary;

namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// <c>struct virtio_net_hdr</c> in the legacy layout without mergeable buffers: 10 bytes before
/// every frame on both queues — u8 flags, u8 gso_type, u16 hdr_len, u16 gso_size,
/// u16 csum_start, u16 csum_offset (little-endian, the guest's order).
/// </summary>
public readonly record struct NetHeader(byte Flags, byte GsoType, ushort HdrLen, ushort GsoSize, ushort CsumStart, ushort CsumOffset)
{
    public const int Size = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM: only with VIRTIO_NET_F_CSUM, which is not offered.</summary>
    public const byte FlagNeedsCsum = 1;

    /// <summary>VIRTIO_NET_HDR_GSO_NONE.</summary>
    public const byte GsoNone = 0;

    public static NetHeader Read(ReadOnlySpan<byte> b) => new(
        b[0], b[1],
        BinaryPrimitives.ReadUInt16LittleEndian(b[2..]),
        BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(b[6..]),
        BinaryPrimitives.ReadUInt16LittleEndian(b[8..]));

    /// <summary>
    /// Null when the header is one a driver may send to a device that offered no offloads;
    /// otherwise why it is not (the driver must not ask for a checksum or segmentation it was not offered).
    /// </summary>
    public string? ProblemWithoutOffloads() =>
        (Flags & FlagNeedsCsum) != 0 ? "asks for NEEDS_CSUM, but VIRTIO_NET_F_CSUM was not offered"
        : GsoType != GsoNone ? $"has gso_type {GsoType}, but no segmentation offload was offered"
        : null;
}

/// <summary>The Ethernet frame limits and header fields the device and the switch look at.</summary>
public static class EthernetFrame
{
    public const int HeaderSize = 14;

    /// <summary>1500-byte MTU + 14-byte header + a VLAN tag: the largest frame without offloads.</summary>
    public const int MaxSize = 1518;

    public static MacAddress Destination(ReadOnlySpan<byte> frame) => MacAddress.Read(frame);

    public static MacAddress Source(ReadOnlySpan<byte> frame) => MacAddress.Read(frame[MacAddress.Length..]);

    public static bool IsValidSize(int length) => length >= HeaderSize && length <= MaxSize;
}
