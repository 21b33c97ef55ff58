using System.Buffers.Binary;

namespace LguestActors.Host.Tests.Simulation;

/// <summary>Ethernet frames a host would send a guest: an ARP request and an ICMP echo request.</summary>
internal static class Frames
{
    private static readonly byte[] Broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    public static uint Ip(byte a, byte b, byte c, byte d) => (uint)(a << 24 | b << 16 | c << 8 | d);

    /// <summary>The EtherType of <paramref name="frame"/>.</summary>
    public static int Type(byte[] frame) => frame.Length < 14 ? -1 : BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12));

    /// <summary>"Who has <paramref name="target"/>? Tell <paramref name="sender"/>", broadcast (RFC 826).</summary>
    public static byte[] ArpRequest(byte[] senderMac, uint sender, uint target)
    {
        var f = new byte[60]; // padded to the Ethernet minimum
        Header(f, Broadcast, senderMac, 0x0806);
        var a = f.AsSpan(14);
        BinaryPrimitives.WriteUInt16BigEndian(a, 1);         // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(a[2..], 0x0800); // IPv4
        a[4] = 6;
        a[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(a[6..], 1);     // request
        senderMac.CopyTo(a[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(a[14..], sender);
        BinaryPrimitives.WriteUInt32BigEndian(a[24..], target);
        return f;
    }

    /// <summary>An ICMP echo request (RFC 792) with 32 bytes of payload.</summary>
    public static byte[] EchoRequest(byte[] toMac, byte[] fromMac, uint from, uint to, ushort id, ushort seq)
    {
        var f = new byte[14 + 20 + 8 + 32];
        Header(f, toMac, fromMac, 0x0800);
        var ip = f.AsSpan(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 20 + 8 + 32);
        ip[8] = 64;
        ip[9] = 1; // ICMP
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], from);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], to);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));
        var icmp = f.AsSpan(34);
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], seq);
        for (int i = 8; i < icmp.Length; i++)
        {
            icmp[i] = (byte)i;
        }
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp));
        return f;
    }

    private static void Header(byte[] f, byte[] to, byte[] from, ushort type)
    {
        to.CopyTo(f, 0);
        from.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), type);
    }

    /// <summary>The Internet checksum (RFC 1071) of an even-length span.</summary>
    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (ushort)~sum;
    }
}
