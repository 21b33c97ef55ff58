using System.Buffers.Binary;
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
/// lguest launcher did (it mapped the kernel's <c>p_paddr</c>, since the guest starts with
/// physical addresses).
/// </summary>
public static class Elf32Loader
{
    private const int EhdrSize = 52;
    private const int PhdrSize = 32;
    private const byte ElfClass32 = 1;
    private const byte ElfData2Lsb = 1;
    private const ushort EtExec = 2;
    private const ushort Em386 = 3;
    private const uint PtLoad = 1;

    /// <summary>
    /// Validates <paramref name="image"/> and copies its PT_LOAD segments into
    /// [0, <paramref name="ramSize"/>) of <paramref name="memory"/> (bss zeroed).
    /// </summary>
    /// <exception cref="GuestImageException">not ELF, wrong class or machine, a segment outside RAM, entry outside the segments.</exception>
    public static Elf32Image Load(GuestMemory memory, ReadOnlySpan<byte> image, ulong ramSize)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if ((ulong)memory.Size < ramSize)
        {
            throw new ArgumentOutOfRangeException(nameof(ramSize), $"RAM size 0x{ramSize:x} is larger than guest memory (0x{memory.Size:x})");
        }

        var (_, segments, result) = Validate(image, ramSize);

        // Validate everything before writing anything, so a bad image leaves memory untouched.
        foreach (var s in segments)
        {
            memory.Write(s.Paddr, image.Slice((int)s.Offset, (int)s.FileSize));
            memory.Fill(s.Paddr + s.FileSize, (int)(s.MemSize - s.FileSize), 0);
        }
        return result;
    }

    /// <summary>
    /// Everything <see cref="Load"/> checks, without guest memory: a host can refuse a bad image
    /// before it starts anything.
    /// </summary>
    /// <exception cref="GuestImageException">as for <see cref="Load"/>.</exception>
    public static Elf32Image Check(ReadOnlySpan<byte> image, ulong ramSize) => Validate(image, ramSize).Image;

    private static (Header Header, List<Segment> Segments, Elf32Image Image) Validate(ReadOnlySpan<byte> image, ulong ramSize)
    {
        var header = ReadHeader(image);
        var segments = ReadLoadSegments(image, header, ramSize);

        bool entryInside = false;
        uint lowest = uint.MaxValue, highest = 0;
        foreach (var s in segments)
        {
            lowest = Math.Min(lowest, s.Paddr);
            highest = Math.Max(highest, (uint)(s.Paddr + s.MemSize));
            // The entry must be code the image actually loads; lguest jumps to it with paging off.
            entryInside |= header.Entry >= s.Paddr && header.Entry < (ulong)s.Paddr + s.MemSize;
        }

        if (!entryInside)
        {
            throw new GuestImageException($"ELF entry point 0x{header.Entry:x8} is not inside any PT_LOAD segment");
        }

        return (header, segments, new Elf32Image(header.Entry, lowest, highest));
    }

    private readonly record struct Header(uint Entry, uint PhOff, ushort PhEntSize, ushort PhNum);

    private readonly record struct Segment(uint Offset, uint Paddr, uint FileSize, uint MemSize);

    private static Header ReadHeader(ReadOnlySpan<byte> image)
    {
        if (image.Length < 4 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
        {
            throw new GuestImageException("not an ELF image (missing the \\x7fELF magic)");
        }

        if (image.Length < EhdrSize)
        {
            throw new GuestImageException($"truncated ELF header: {image.Length} bytes, need {EhdrSize}");
        }

        if (image[4] != ElfClass32)
        {
            throw new GuestImageException($"not a 32-bit ELF image (EI_CLASS {image[4]}, want 1 = ELFCLASS32)");
        }

        if (image[5] != ElfData2Lsb)
        {
            throw new GuestImageException($"not a little-endian ELF image (EI_DATA {image[5]}, want 1 = ELFDATA2LSB)");
        }

        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(image[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(image[18..]);
        if (machine != Em386)
        {
            throw new GuestImageException($"not an i386 ELF image (e_machine {machine}, want 3 = EM_386)");
        }

        if (type != EtExec)
        {
            throw new GuestImageException($"not an executable ELF image (e_type {type}, want 2 = ET_EXEC)");
        }

        var header = new Header(
            Entry: BinaryPrimitives.ReadUInt32LittleEndian(image[24..]),
            PhOff: BinaryPrimitives.ReadUInt32LittleEndian(image[28..]),
            PhEntSize: BinaryPrimitives.ReadUInt16LittleEndian(image[42..]),
            PhNum: BinaryPrimitives.ReadUInt16LittleEndian(image[44..]));

        if (header.PhNum == 0)
        {
            throw new GuestImageException("ELF image has no program headers (no PT_LOAD segment)");
        }

        if (header.PhEntSize < PhdrSize)
        {
            throw new GuestImageException($"ELF program header entries are {header.PhEntSize} bytes, need at least {PhdrSize}");
        }

        if ((ulong)header.PhOff + (ulong)header.PhEntSize * header.PhNum > (ulong)image.Length)
        {
            throw new GuestImageException(
                $"truncated ELF program headers: {header.PhNum} × {header.PhEntSize} bytes at offset 0x{header.PhOff:x} run past the {image.Length}-byte image");
        }

        return header;
    }

    private static List<Segment> ReadLoadSegments(ReadOnlySpan<byte> image, Header header, ulong ramSize)
    {
        var segments = new List<Segment>();
        for (int i = 0; i < header.PhNum; i++)
        {
            var ph = image.Slice((int)(header.PhOff + (uint)(i * header.PhEntSize)), PhdrSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PtLoad)
            {
                continue;
            }

            var s = new Segment(
                Offset: BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]),
                Paddr: BinaryPrimitives.ReadUInt32LittleEndian(ph[12..]),
                FileSize: BinaryPrimitives.ReadUInt32LittleEndian(ph[16..]),
                MemSize: BinaryPrimitives.ReadUInt32LittleEndian(ph[20..]));

            if (s.FileSize > s.MemSize)
            {
                throw new GuestImageException($"PT_LOAD segment {i}: p_filesz 0x{s.FileSize:x} is larger than p_memsz 0x{s.MemSize:x}");
            }

            if ((ulong)s.Offset + s.FileSize > (ulong)image.Length)
            {
                throw new GuestImageException(
                    $"truncated ELF image: PT_LOAD segment {i} needs file bytes [0x{s.Offset:x}, 0x{(ulong)s.Offset + s.FileSize:x}) but the image is 0x{image.Length:x} bytes");
            }

            if ((ulong)s.Paddr + s.MemSize > ramSize)
            {
                throw new GuestImageException(
                    $"PT_LOAD segment {i} at physical [0x{s.Paddr:x}, 0x{(ulong)s.Paddr + s.MemSize:x}) lies outside guest RAM [0, 0x{ramSize:x})");
            }

            segments.Add(s);
        }

        if (segments.Count == 0)
        {
            throw new GuestImageException("ELF image has no PT_LOAD segment");
        }

        return segments;
    }
}
