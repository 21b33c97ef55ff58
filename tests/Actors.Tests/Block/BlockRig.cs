using System.Buffers.Binary;
using Akka.Actor;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Launcher;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Block;

/// <summary>A block device with no guest: the harness's memory and ring, a fake driver posting virtio-blk requests.</summary>
internal sealed class BlockRig
{
    public BlockRig(IBlockBackend backend, ushort queueSize = DeviceSpec.DefaultQueueSize)
    {
        Backend = backend;
        Vm = VirtioDeviceHarness.Create(new DeviceSpec(BlockDevice.VirtioId, BlockDevice.QueueCount,
            BlockDevice.OfferedFeatures(backend.ReadOnly), BlockConfig.ConfigSpace(backend.Length, queueSize), queueSize));
    }

    public IBlockBackend Backend { get; }

    /// <summary>Used entries the test has taken so far.</summary>
    public int Taken { get; set; }

    public VirtioDeviceHarness Vm { get; }

    public FakeVirtioDriver Driver => Vm.Drivers[BlockDevice.RequestQueue];

    public int Irq => Vm.Descriptor.Queues[BlockDevice.RequestQueue].Irq;

    public IActorRef Spawn(IActorRefFactory system, IActorRef interrupts, BlockDeviceState? state = null, BlockDeviceOptions? options = null) =>
        system.ActorOf(BlockDevice.Props(Vm.Memory, Vm.Transport, interrupts, Backend, state ?? new BlockDeviceState(), options));

    public static byte[] Header(uint type, ulong sector)
    {
        var h = new byte[BlockConfig.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, type);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(8), sector);
        return h;
    }

    /// <summary>A read request of <paramref name="lengths"/> data buffers; returns the head, the data buffers and the status buffer.</summary>
    public (ushort Head, FakeBuffer[] Data, FakeBuffer Status) PostRead(ulong sector, params int[] lengths)
    {
        var data = lengths.Select(Driver.Writable).ToArray();
        var status = StatusBuffer();
        ushort head = Driver.PostChain([Driver.Readable(Header(BlockConfig.TypeIn, sector)), .. data, status]);
        return (head, data, status);
    }

    public (ushort Head, FakeBuffer Status) PostWrite(ulong sector, params byte[][] buffers)
    {
        var status = StatusBuffer();
        ushort head = Driver.PostChain([Driver.Readable(Header(BlockConfig.TypeOut, sector)), .. buffers.Select(b => Driver.Readable(b)), status]);
        return (head, status);
    }

    public (ushort Head, FakeBuffer Status) PostFlush()
    {
        var status = StatusBuffer();
        return (Driver.PostChain(Driver.Readable(Header(BlockConfig.TypeFlush, 0)), status), status);
    }

    /// <summary>A status byte pre-set to 0xEE so a test sees whether the device wrote it.</summary>
    public FakeBuffer StatusBuffer()
    {
        var status = Driver.Writable(1);
        Vm.Memory.WriteU8(status.Address, 0xEE);
        return status;
    }

    public byte StatusOf(FakeBuffer status) => Vm.Memory.ReadU8(status.Address + status.Length - 1);

    public byte[] Bytes(FakeBuffer buffer)
    {
        var bytes = new byte[buffer.Length];
        Vm.Memory.Read(buffer.Address, bytes);
        return bytes;
    }

    /// <summary>A deterministic pattern of <paramref name="length"/> bytes.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
