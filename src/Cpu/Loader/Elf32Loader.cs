using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu.Loader;

/// <summary>What loading a kernel image produced.</summary>
public readonly record struct Elf32Image(uint Entry, uint LowestAddress, uint HighestAddress);

/// <summary>A kernel image that cannot be loaded, with the one-line reason a person can act on.</summary>
public sealed class GuestImageException : Exception
{
    public GuestImageException(string message) : base(message)
    {
    }

    public GuestImageException()
    {
    }

    public GuestImageException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Loads a 32-bit i386 ELF executable's PT_LOAD segments at their physical addresses, as the
/// lguest launcher did. API skeleton: being written.
/// </summary>
public static class Elf32Loader
{
    /// <summary>
    /// Validates <paramref name="image"/> and copies its PT_LOAD segments into
    /// [0, <paramref name="ramSize"/>) of <paramref name="memory"/> (bss zeroed).
    /// </summary>
    /// <exception cref="GuestImageException">not ELF, wrong class or machine, a segment outside RAM, entry outside the segments.</exception>
    public static Elf32Image Load(GuestMemory memory, ReadOnlySpan<byte> image, ulong ramSize) =>
        throw new NotImplementedException();
}
