using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Launcher;

/// <summary>What a device contributes to the device page before addresses are assigned.</summary>
/// <param name="Type">Virtio device id (1 net, 2 block, 3 console, 4 rng).</param>
/// <param name="QueueCount">How many virtqueues it has.</param>
/// <param name="OfferedFeatures">Feature bytes it offers (feature_len = this length).</param>
/// <param name="Config">Device config bytes (config_len = this length).</param>
/// <param name="QueueSize">Entries per ring; lguest used 256.</param>
public sealed record DeviceSpec(byte Type, int QueueCount, ReadOnlyMemory<byte> OfferedFeatures, ReadOnlyMemory<byte> Config, ushort QueueSize = DeviceSpec.DefaultQueueSize)
{
    public const ushort DefaultQueueSize = 256;
}

/// <summary><c>struct lguest_vqconfig</c>: u16 num, u16 irq, u32 pfn (little-endian, 8 bytes).</summary>
public readonly record struct VqConfig(ushort Num, ushort Irq, uint Pfn)
{
    public const int Size = 8;

    public ulong RingAddress => (ulong)Pfn << Cpu.Memory.GuestMemory.PageShift;
}

/// <summary>
/// One <c>struct lguest_device_desc</c> in the device page, with its place in guest memory.
/// Header: u8 type, u8 num_vq, u8 feature_len, u8 config_len, u8 status; then num_vq vqconfigs,
/// feature_len offered bytes, feature_len accepted bytes, config_len config bytes.
/// </summary>
public sealed record DeviceDescriptor(
    ulong Address,
    byte Type,
    IReadOnlyList<VqConfig> Queues,
    ReadOnlyMemory<byte> OfferedFeatures,
    ReadOnlyMemory<byte> AcceptedFeatures,
    ReadOnlyMemory<byte> Config,
    byte Status)
{
    public const int HeaderSize = 5;
    public const int TypeOffset = 0;
    public const int NumVqOffset = 1;
    public const int FeatureLenOffset = 2;
    public const int ConfigLenOffset = 3;
    public const int StatusOffset = 4;

    public int FeatureLength => OfferedFeatures.Length;

    public ulong StatusAddress => Address + StatusOffset;

    public ulong VqConfigAddress(int queue) => Address + HeaderSize + (ulong)(queue * VqConfig.Size);

    public ulong OfferedFeaturesAddress => Address + HeaderSize + (ulong)(Queues.Count * VqConfig.Size);

    public ulong AcceptedFeaturesAddress => OfferedFeaturesAddress + (ulong)FeatureLength;

    public ulong ConfigAddress => AcceptedFeaturesAddress + (ulong)FeatureLength;

    /// <summary>lg_desc_size: the header, the vqconfigs, two feature blocks and the config.</summary>
    public int Size => SizeOf(Queues.Count, FeatureLength, Config.Length);

    /// <summary>The device's queues as the transport-neutral setup a device actor takes.</summary>
    public IReadOnlyList<QueueSetup> QueueSetups =>
        Queues.Select((q, i) => new QueueSetup(i, q.Num, q.Irq, q.RingAddress)).ToArray();

    public static int SizeOf(int queues, int featureLength, int configLength) =>
        HeaderSize + (queues * VqConfig.Size) + (2 * featureLength) + configLength;
}
