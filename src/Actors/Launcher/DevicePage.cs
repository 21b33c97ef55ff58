using System.Buffers.Binary;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

/// <summary>
/// The lguest device page (DESIGN §2): device descriptors placed "just above the top of physical
/// memory", at memSize, with every virtqueue ring in whole pages after it. IRQ 0 is the timer and
/// each virtqueue gets its own IRQ counting up from 1, as lguest assigned them. This is the
/// transport: devices never see it, they get <see cref="Devices.Virtio.QueueSetup"/>s.
/// </summary>
public sealed class DevicePage
{
    /// <summary>The first IRQ given to a virtqueue: IRQ 0 is the timer.</summary>
    public const int FirstQueueIrq = 1;

    private DevicePage(ulong address, IReadOnlyList<DeviceDescriptor> devices, uint totalPages)
    {
        Address = address;
        Devices = devices;
        TotalPages = totalPages;
    }

    /// <summary>Guest-physical address of the page: memSize.</summary>
    public ulong Address { get; }

    public IReadOnlyList<DeviceDescriptor> Devices { get; }

    /// <summary>Pages taken by the device page and all the rings after it.</summary>
    public uint TotalPages { get; }

    /// <summary>One past the last ring byte: the first free page after the device area.</summary>
    public ulong End => Address + ((ulong)TotalPages << GuestMemory.PageShift);

    /// <summary>Assigns each device its place, each queue its IRQ and ring pages, above <paramref name="memSize"/>.</summary>
    public static DevicePage Layout(ulong memSize, IReadOnlyList<DeviceSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (memSize % GuestMemory.PageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(memSize), memSize, "RAM must be a whole number of pages");
        }
        var devices = new List<DeviceDescriptor>(specs.Count);
        ulong offset = 0;
        ulong nextPfn = (memSize >> GuestMemory.PageShift) + 1;
        int nextIrq = FirstQueueIrq;
        foreach (var spec in specs)
        {
            if (spec.Type == 0 || spec.QueueCount > byte.MaxValue || spec.OfferedFeatures.Length > byte.MaxValue || spec.Config.Length > byte.MaxValue)
            {
                throw new ArgumentException($"device type {spec.Type} cannot be described in the device page", nameof(specs));
            }
            var queues = new VqConfig[spec.QueueCount];
            for (int q = 0; q < queues.Length; q++)
            {
                if (nextIrq >= Cpu.Lguest.LguestDataLayout.IrqCount)
                {
                    throw new ArgumentException($"more virtqueues than the {Cpu.Lguest.LguestDataLayout.IrqCount - 1} IRQs lguest has for them", nameof(specs));
                }
                queues[q] = new VqConfig(spec.QueueSize, (ushort)nextIrq++, checked((uint)nextPfn));
                nextPfn += LguestActors.Actors.Devices.Virtio.RingLayout.Pages(spec.QueueSize);
            }
            var descriptor = new DeviceDescriptor(memSize + offset, spec.Type, queues, spec.OfferedFeatures,
                new byte[spec.OfferedFeatures.Length], spec.Config, 0);
            offset += (ulong)descriptor.Size;
            devices.Add(descriptor);
        }
        if (offset + 1 > GuestMemory.PageSize)
        {
            throw new ArgumentException($"the device descriptors take {offset} bytes; they must fit one page with the terminating type 0", nameof(specs));
        }
        uint totalPages = (uint)(nextPfn - (memSize >> GuestMemory.PageShift));
        return new DevicePage(memSize, devices, totalPages);
    }

    /// <summary>Writes the page, byte for byte in lguest's layout, ending with type 0.</summary>
    public void Write(GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var page = memory.WritableSpan(Address, GuestMemory.PageSize);
        page.Clear();
        foreach (var d in Devices)
        {
            var span = page[(int)(d.Address - Address)..];
            span[DeviceDescriptor.TypeOffset] = d.Type;
            span[DeviceDescriptor.NumVqOffset] = (byte)d.Queues.Count;
            span[DeviceDescriptor.FeatureLenOffset] = (byte)d.FeatureLength;
            span[DeviceDescriptor.ConfigLenOffset] = (byte)d.Config.Length;
            span[DeviceDescriptor.StatusOffset] = d.Status;
            int at = DeviceDescriptor.HeaderSize;
            foreach (var q in d.Queues)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[at..], q.Num);
                BinaryPrimitives.WriteUInt16LittleEndian(span[(at + 2)..], q.Irq);
                BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 4)..], q.Pfn);
                at += VqConfig.Size;
            }
            d.OfferedFeatures.Span.CopyTo(span[at..]);
            at += d.FeatureLength;
            d.AcceptedFeatures.Span.CopyTo(span[at..]);
            at += d.FeatureLength;
            d.Config.Span.CopyTo(span[at..]);
        }
        // The type-0 terminator is the zero left by Clear after the last descriptor.
    }

    /// <summary>Parses a device page from guest memory (as a guest driver would), up to type 0.</summary>
    public static IReadOnlyList<DeviceDescriptor> Read(GuestMemory memory, ulong address)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var page = memory.ReadOnlySpan(address, GuestMemory.PageSize);
        var result = new List<DeviceDescriptor>();
        int offset = 0;
        while (offset + DeviceDescriptor.HeaderSize <= page.Length && page[offset] != 0)
        {
            var span = page[offset..];
            int numVq = span[DeviceDescriptor.NumVqOffset];
            int featureLen = span[DeviceDescriptor.FeatureLenOffset];
            int configLen = span[DeviceDescriptor.ConfigLenOffset];
            int size = DeviceDescriptor.SizeOf(numVq, featureLen, configLen);
            if (offset + size > page.Length)
            {
                throw new InvalidDataException($"device descriptor at offset {offset} runs past the device page");
            }
            var queues = new VqConfig[numVq];
            int at = DeviceDescriptor.HeaderSize;
            for (int q = 0; q < numVq; q++, at += VqConfig.Size)
            {
                queues[q] = new VqConfig(
                    BinaryPrimitives.ReadUInt16LittleEndian(span[at..]),
                    BinaryPrimitives.ReadUInt16LittleEndian(span[(at + 2)..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 4)..]));
            }
            var offered = span.Slice(at, featureLen).ToArray();
            var accepted = span.Slice(at + featureLen, featureLen).ToArray();
            var config = span.Slice(at + (2 * featureLen), configLen).ToArray();
            result.Add(new DeviceDescriptor(address + (ulong)offset, span[0], queues, offered, accepted, config, span[DeviceDescriptor.StatusOffset]));
            offset += size;
        }
        return result;
    }

    /// <summary>The descriptor that starts exactly at <paramref name="address"/> (a status/feature NOTIFY), or -1.</summary>
    public int DeviceIndexAt(ulong address)
    {
        for (int i = 0; i < Devices.Count; i++)
        {
            if (Devices[i].Address == address)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The device and queue whose ring starts at <paramref name="address"/> (a kick), or false.</summary>
    public bool TryFindRing(ulong address, out int device, out int queue)
    {
        for (device = 0; device < Devices.Count; device++)
        {
            var queues = Devices[device].Queues;
            for (queue = 0; queue < queues.Count; queue++)
            {
                if (queues[queue].RingAddress == address)
                {
                    return true;
                }
            }
        }
        device = -1;
        queue = -1;
        return false;
    }

    /// <summary>The status byte the guest last wrote for device <paramref name="device"/>.</summary>
    public byte ReadStatus(GuestMemory memory, int device) => memory.ReadU8(Devices[device].StatusAddress);

    /// <summary>The feature bytes the guest accepted for device <paramref name="device"/>.</summary>
    public byte[] ReadAcceptedFeatures(GuestMemory memory, int device)
    {
        var d = Devices[device];
        return memory.ReadOnlySpan(d.AcceptedFeaturesAddress, d.FeatureLength).ToArray();
    }
}
