using System.Buffers.Binary;
using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Devices.Block;

/// <summary>
/// The virtio-blk constants and the legacy <c>struct virtio_blk_config</c> (24 bytes, little-endian):
/// u64 capacity (512-byte sectors) at 0, u32 size_max at 8, u32 seg_max at 12, geometry
/// (u16 cylinders, u8 heads, u8 sectors) at 16, u32 blk_size at 20.
/// </summary>
public static class BlockConfig
{
    public const int SectorSize = 512;
    public const int SectorShift = 9;

    // Feature bits (legacy virtio-blk).
    public const int FeatureSizeMax = 1;
    public const int FeatureSegMax = 2;
    public const int FeatureReadOnly = 5;
    public const int FeatureBlockSize = 6;
    public const int FeatureFlush = 9;

    // Request types.
    public const uint TypeIn = 0;
    public const uint TypeOut = 1;
    public const uint TypeFlush = 4;
    public const uint TypeGetId = 8;

    // Status byte values.
    public const byte StatusOk = 0;
    public const byte StatusIoError = 1;
    public const byte StatusUnsupported = 2;

    /// <summary>The legacy request header: u32 type, u32 ioprio, u64 sector.</summary>
    public const int HeaderSize = 16;

    /// <summary>GET_ID returns a serial of up to 20 bytes (VIRTIO_BLK_ID_BYTES).</summary>
    public const int IdBytes = 20;

    public const int CapacityOffset = 0;
    public const int SizeMaxOffset = 8;
    public const int SegMaxOffset = 12;
    public const int GeometryOffset = 16;
    public const int BlockSizeOffset = 20;
    public const int ConfigSize = 24;

    /// <summary>The largest single data buffer the device takes (size_max): 1 MiB.</summary>
    public const uint SizeMax = 1 << 20;

    /// <summary>Data buffers in one request (seg_max): the ring less the header and status descriptors.</summary>
    public static uint SegMaxFor(ushort queueSize) => queueSize > 2 ? (uint)queueSize - 2 : 1;

    /// <summary>The features the device offers: SIZE_MAX, SEG_MAX, BLK_SIZE, FLUSH, the ring features, and RO for a read-only disk.</summary>
    public static byte[] OfferedFeatures(bool readOnly)
    {
        var bits = new List<int> { FeatureSizeMax, FeatureSegMax, FeatureBlockSize, FeatureFlush, FeatureBits.RingIndirectDesc, FeatureBits.RingEventIdx };
        if (readOnly)
        {
            bits.Add(FeatureReadOnly);
        }
        return FeatureBits.Of(FeatureBits.DefaultLength, [.. bits]);
    }

    /// <summary>The config space for a disk of <paramref name="capacityBytes"/> (a multiple of 512).</summary>
    public static byte[] ConfigSpace(long capacityBytes, ushort queueSize)
    {
        if (capacityBytes < 0 || capacityBytes % SectorSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacityBytes), capacityBytes, "a disk is a whole number of 512-byte sectors");
        }
        var config = new byte[ConfigSize];
        BinaryPrimitives.WriteUInt64LittleEndian(config.AsSpan(CapacityOffset), (ulong)capacityBytes >> SectorShift);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(SizeMaxOffset), SizeMax);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(SegMaxOffset), SegMaxFor(queueSize));
        // geometry stays 0: the feature is not offered.
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(BlockSizeOffset), SectorSize);
        return config;
    }
}
