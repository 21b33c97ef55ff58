using System.Buffers.Binary;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Block;

/// <summary>What a request asks of the device once it has been checked.</summary>
public enum BlockRequestKind
{
    /// <summary>VIRTIO_BLK_T_IN: disk → the writable data buffers.</summary>
    Read,

    /// <summary>VIRTIO_BLK_T_OUT: the readable data buffers → disk.</summary>
    Write,

    /// <summary>VIRTIO_BLK_T_FLUSH: make every earlier completed write durable.</summary>
    Flush,

    /// <summary>VIRTIO_BLK_T_GET_ID: the 20-byte serial into the writable buffer.</summary>
    GetId,

    /// <summary>A type the device does not implement: completes with UNSUPP.</summary>
    Unsupported,

    /// <summary>A request that breaks a rule (<see cref="BlockRequest.Problem"/>): completes with IOERR, touching nothing.</summary>
    Invalid,
}

/// <summary>
/// One virtio-blk request taken apart: the 16-byte header (u32 type, u32 ioprio, u64 sector) in
/// the first buffer, the data buffers, and the 1-byte status the device writes in the last.
/// </summary>
/// <param name="Head">The chain's head, for the used ring.</param>
/// <param name="Kind">What to do; <see cref="BlockRequestKind.Invalid"/> with a <paramref name="Problem"/> when the request breaks a rule.</param>
/// <param name="Type">The header's type field (0 when the header could not be read).</param>
/// <param name="Sector">The header's sector.</param>
/// <param name="Data">The data buffers, all checked to lie in guest RAM.</param>
/// <param name="DataLength">Bytes in <paramref name="Data"/>.</param>
/// <param name="StatusAddress">Where the status byte goes.</param>
/// <param name="Problem">Why an <see cref="BlockRequestKind.Invalid"/> request is refused.</param>
public sealed record BlockRequest(
    ushort Head,
    BlockRequestKind Kind,
    uint Type,
    ulong Sector,
    IReadOnlyList<ChainSegment> Data,
    long DataLength,
    ulong StatusAddress,
    string? Problem)
{
    /// <summary>The disk byte offset of the first data byte (Sector × 512; only meaningful for reads and writes).</summary>
    public long Offset => (long)(Sector << BlockConfig.SectorShift);

    /// <summary>
    /// Takes a chain apart and checks it against the disk. A request that can still be answered is
    /// returned (as <see cref="BlockRequestKind.Invalid"/> if it breaks a rule); a chain with no
    /// writable status byte at all cannot be, and throws.
    /// </summary>
    /// <exception cref="VirtQueueException">the chain has no device-writable status byte at its end.</exception>
    public static BlockRequest Parse(DescriptorChain chain, GuestMemory memory, long capacityBytes, bool readOnly, uint segMax)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(memory);
        var segments = chain.Segments;
        if (segments.Count == 0 || !segments[^1].Writable || segments[^1].Length == 0)
        {
            throw new VirtQueueException($"block request {chain.Head} has no device-writable status byte at its end");
        }
        var statusSegment = segments[^1];
        ulong statusAddress = statusSegment.Address + statusSegment.Length - 1; // the status is the last byte
        BlockRequest Invalid(string problem, uint type = 0, ulong sector = 0) =>
            new(chain.Head, BlockRequestKind.Invalid, type, sector, [], 0, statusAddress, problem);

        if (statusSegment.Length != 1)
        {
            return Invalid($"the status buffer is {statusSegment.Length} bytes, not 1");
        }
        if (segments.Count < 2)
        {
            return Invalid("the request has no header");
        }
        var header = segments[0];
        if (header.Writable)
        {
            return Invalid("the header is device-writable; it must be readable");
        }
        if (header.Length != BlockConfig.HeaderSize)
        {
            return Invalid($"the header is {header.Length} bytes, not {BlockConfig.HeaderSize}");
        }
        var raw = memory.ReadOnlySpan(header.Address, BlockConfig.HeaderSize);
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(raw);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]);

        var data = new ChainSegment[segments.Count - 2];
        long dataLength = 0;
        int writable = 0;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = segments[i + 1];
            dataLength += data[i].Length;
            writable += data[i].Writable ? 1 : 0;
        }

        BlockRequest Valid(BlockRequestKind kind) => new(chain.Head, kind, type, sector, data, dataLength, statusAddress, null);

        switch (type)
        {
            case BlockConfig.TypeIn:
            case BlockConfig.TypeOut:
                bool isRead = type == BlockConfig.TypeIn;
                if (isRead && writable != data.Length)
                {
                    return Invalid("a read (IN) has a data buffer the device may not write", type, sector);
                }
                if (!isRead && writable != 0)
                {
                    return Invalid("a write (OUT) has a device-writable data buffer", type, sector);
                }
                if (!isRead && readOnly)
                {
                    return Invalid("a write (OUT) to a read-only disk", type, sector);
                }
                if (dataLength % BlockConfig.SectorSize != 0)
                {
                    return Invalid($"{dataLength} bytes of data is not a whole number of {BlockConfig.SectorSize}-byte sectors", type, sector);
                }
                if ((uint)data.Length > segMax)
                {
                    return Invalid($"{data.Length} data buffers is more than seg_max {segMax}", type, sector);
                }
                foreach (var s in data)
                {
                    if (s.Length > BlockConfig.SizeMax)
                    {
                        return Invalid($"a data buffer of {s.Length} bytes is larger than size_max {BlockConfig.SizeMax}", type, sector);
                    }
                }
                ulong capacitySectors = (ulong)capacityBytes >> BlockConfig.SectorShift;
                ulong sectors = (ulong)dataLength >> BlockConfig.SectorShift;
                if (sector > capacitySectors || sectors > capacitySectors - sector)
                {
                    return Invalid($"sectors {sector}+{sectors} lie past the end of the disk ({capacitySectors} sectors)", type, sector);
                }
                return Valid(isRead ? BlockRequestKind.Read : BlockRequestKind.Write);
            case BlockConfig.TypeFlush:
                return data.Length == 0 ? Valid(BlockRequestKind.Flush) : Invalid("a FLUSH carries data buffers", type, sector);
            case BlockConfig.TypeGetId:
                if (data.Length == 0 || writable != data.Length)
                {
                    return Invalid("GET_ID needs a device-writable buffer for the serial", type, sector);
                }
                return Valid(BlockRequestKind.GetId);
            default:
                return new BlockRequest(chain.Head, BlockRequestKind.Unsupported, type, sector, [], 0, statusAddress, $"request type {type} is not supported");
        }
    }
}
