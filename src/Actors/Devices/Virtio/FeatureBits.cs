namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// Virtio feature bits as the lguest device page stores them: bit n in byte n/8, bit n%8
/// (DESIGN §2). Devices offer them, the guest writes back the ones it accepted.
/// </summary>
public static class FeatureBits
{
    /// <summary>VIRTIO_RING_F_INDIRECT_DESC: a descriptor may point at a table of descriptors.</summary>
    public const int RingIndirectDesc = 28;

    /// <summary>VIRTIO_RING_F_EVENT_IDX: used_event / avail_event replace the NO_INTERRUPT flag.</summary>
    public const int RingEventIdx = 29;

    /// <summary>Bytes of feature bits every device in this VMM offers (enough for the ring bits).</summary>
    public const int DefaultLength = 4;

    public static bool Has(ReadOnlySpan<byte> bits, int bit) =>
        bit / 8 < bits.Length && (bits[bit / 8] & (1 << (bit % 8))) != 0;

    public static void Set(Span<byte> bits, int bit) => bits[bit / 8] |= (byte)(1 << (bit % 8));

    /// <summary>A feature block of <paramref name="length"/> bytes with <paramref name="bits"/> set.</summary>
    public static byte[] Of(int length, params int[] bits)
    {
        var block = new byte[length];
        foreach (int bit in bits)
        {
            Set(block, bit);
        }
        return block;
    }
}

/// <summary>The virtio status byte the guest writes into its device descriptor.</summary>
public static class VirtioStatus
{
    public const byte Acknowledge = 0x01;
    public const byte Driver = 0x02;
    public const byte DriverOk = 0x04;
    public const byte FeaturesOk = 0x08;

    /// <summary>
    /// Virtio 1.0's DEVICE_NEEDS_RESET; legacy lguest guests do not know it, so this VMM signals a
    /// broken device with <see cref="Failed"/> in the descriptor's status byte instead.
    /// </summary>
    public const byte NeedsReset = 0x40;

    public const byte Failed = 0x80;
}

/// <summary>The ring features a device and its guest agreed on; the engine honours them.</summary>
public readonly record struct RingFeatures(bool IndirectDescriptors, bool EventIndex)
{
    public static RingFeatures FromAccepted(ReadOnlySpan<byte> accepted) =>
        new(FeatureBits.Has(accepted, FeatureBits.RingIndirectDesc), FeatureBits.Has(accepted, FeatureBits.RingEventIdx));
}
