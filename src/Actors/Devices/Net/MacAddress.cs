using System.Globalization;
using System.Text;

namespace LguestActors.Actors.Devices.Net;

/// <summary>A 48-bit Ethernet address, held in the low 48 bits of a ulong (first octet highest).</summary>
public readonly record struct MacAddress(ulong Value)
{
    public const int Length = 6;

    public static readonly MacAddress Broadcast = new(0xFFFF_FFFF_FFFFUL);

    /// <summary>The I/G bit: set for broadcast and multicast, which a switch floods.</summary>
    public bool IsGroup => (Value & 0x0100_0000_0000UL) != 0;

    public static MacAddress Read(ReadOnlySpan<byte> bytes)
    {
        ulong v = 0;
        for (int i = 0; i < Length; i++)
        {
            v = (v << 8) | bytes[i];
        }
        return new MacAddress(v);
    }

    public void Write(Span<byte> destination)
    {
        for (int i = 0; i < Length; i++)
        {
            destination[i] = (byte)(Value >> (8 * (Length - 1 - i)));
        }
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        Write(bytes);
        return bytes;
    }

    /// <summary>Parses <c>52:54:00:12:34:56</c> (or with '-'); false for anything else.</summary>
    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null)
        {
            return false;
        }
        var parts = text.Split(':', '-');
        if (parts.Length != Length)
        {
            return false;
        }
        ulong v = 0;
        foreach (var part in parts)
        {
            if (part.Length != 2 || !byte.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address like 52:54:00:12:34:56");

    /// <summary>
    /// A stable MAC for a VM with no --mac: QEMU's locally administered 52:54:00 prefix and three
    /// bytes of an FNV-1a hash of the name, so the same VM gets the same address on every run.
    /// </summary>
    public static MacAddress FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 16777619;
        }
        return new MacAddress(0x5254_0000_0000UL | (hash & 0xFF_FFFF));
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[Length];
        Write(b);
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
