namespace LguestActors.Actors.Tests.Block;

/// <summary>The sample kernel's block test pattern (guest/runtime/pattern.h pattern_word): a pure function of (seed, sector, offset).</summary>
internal static class BlockPattern
{
    public static uint Word(uint seed, uint sector, uint offset)
    {
        uint x = unchecked((seed * 0x9E3779B1u) ^ (sector * 0x85EBCA77u) ^ (offset * 0xC2B2AE3Du));
        x ^= x >> 15;
        x = unchecked(x * 0x2C1B3C6Du);
        x ^= x >> 12;
        x = unchecked(x * 0x297A2D39u);
        x ^= x >> 15;
        return x;
    }

    /// <summary>The 512 bytes the guest writes to <paramref name="sector"/> with <paramref name="seed"/>.</summary>
    public static byte[] Sector(uint seed, uint sector)
    {
        var bytes = new byte[512];
        for (uint o = 0; o < 512; o += 4)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)o), Word(seed, sector, o));
        }
        return bytes;
    }
}
