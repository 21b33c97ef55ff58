using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Vcpu;

/// <summary>Reads guest-supplied C strings with a bound, never past guest memory.</summary>
public static class GuestStrings
{
    /// <summary>
    /// The bytes of the NUL-terminated string at <paramref name="address"/>, at most
    /// <paramref name="maxLength"/> of them, and never beyond <paramref name="limit"/>.
    /// </summary>
    /// <exception cref="GuestMemoryException">the address itself is outside [0, limit).</exception>
    public static byte[] ReadNulTerminated(GuestMemory memory, ulong address, int maxLength, ulong limit)
    {
        ArgumentNullException.ThrowIfNull(memory);
        limit = Math.Min(limit, (ulong)memory.Size);
        if (address >= limit)
        {
            throw new GuestMemoryException(address, 1, (long)limit);
        }
        int length = (int)Math.Min((ulong)maxLength, limit - address);
        var span = memory.ReadOnlySpan(address, length);
        int end = span.IndexOf((byte)0);
        return (end < 0 ? span : span[..end]).ToArray();
    }

    public static string Decode(ReadOnlySpan<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
