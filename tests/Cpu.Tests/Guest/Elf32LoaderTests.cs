using LguestActors.Testing;
using System.Buffers.Binary;
using LguestActors.Cpu.Loader;
using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu.Tests.Guest;

public sealed class Elf32LoaderTests
{
    private const ulong Ram = 4 * 1024 * 1024;

    /// <summary>One PT_LOAD segment as the test image should contain it.</summary>
    private sealed record Seg(uint Type, uint Paddr, byte[] Bytes, uint MemSize);

    /// <summary>Builds a minimal i386 ET_EXEC image: header, program headers, then the segments' bytes.</summary>
    private static byte[] BuildElf(uint entry, params Seg[] segments)
    {
        const int ehdr = 52, phdr = 32;
        int dataStart = ehdr + phdr * segments.Length;
        var image = new byte[dataStart + segments.Sum(s => s.Bytes.Length)];
        var span = image.AsSpan();
        span[0] = 0x7f;
        span[1] = (byte)'E';
        span[2] = (byte)'L';
        span[3] = (byte)'F';
        span[4] = 1; // ELFCLASS32
        span[5] = 1; // ELFDATA2LSB
        span[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 3); // EM_386
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], entry);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], ehdr);
        BinaryPrimitives.WriteUInt16LittleEndian(span[40..], ehdr);
        BinaryPrimitives.WriteUInt16LittleEndian(span[42..], phdr);
        BinaryPrimitives.WriteUInt16LittleEndian(span[44..], (ushort)segments.Length);
        int offset = dataStart;
        for (int i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            var ph = span.Slice(ehdr + i * phdr, phdr);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, s.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], (uint)offset);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[8..], s.Paddr + 0xC0000000); // p_vaddr: a kernel's high mapping
            BinaryPrimitives.WriteUInt32LittleEndian(ph[12..], s.Paddr);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[16..], (uint)s.Bytes.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[20..], s.MemSize);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[24..], 7);
            s.Bytes.CopyTo(span[offset..]);
            offset += s.Bytes.Length;
        }

        return image;
    }

    private static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    private static byte[] GoodImage() => BuildElf(
        0x100010,
        new Seg(1, 0x100000, Filled(0x40, 0x90), 0x40),
        new Seg(4, 0, [], 0), // PT_NOTE: not loaded
        new Seg(1, 0x101000, Filled(0x20, 0xAB), 0x1000));

    private static string LoadError(byte[] image, ulong ram = Ram) =>
        Assert.Throws<GuestImageException>(() => Elf32Loader.Load(new GuestMemory((long)Ram), image, ram)).Message;

    [Fact]
    public void A_good_image_loads_its_segments_at_their_physical_addresses_and_zeroes_the_bss()
    {
        var memory = new GuestMemory((long)Ram);
        memory.Fill(0x101000, 0x2000, 0xEE); // stale bytes where the bss goes

        var loaded = Elf32Loader.Load(memory, GoodImage(), Ram);

        Assert.Equal(new Elf32Image(0x100010, 0x100000, 0x102000), loaded);
        Assert.True(memory.ReadOnlySpan(0x100000, 0x40).ToArray().All(b => b == 0x90));
        Assert.True(memory.ReadOnlySpan(0x101000, 0x20).ToArray().All(b => b == 0xAB));
        Assert.True(memory.ReadOnlySpan(0x101020, 0x1000 - 0x20).ToArray().All(b => b == 0));
        Assert.Equal(0xEE, memory.ReadU8(0x102000)); // beyond memsz: untouched
    }

    [Fact]
    public void The_prebuilt_selfcheck_guest_loads_at_one_megabyte()
    {
        var image = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "selfcheck-O2.elf"));
        var loaded = Elf32Loader.Load(new GuestMemory(64L << 20), image, 64UL << 20);
        Assert.Equal(0x100000u, loaded.Entry);
        Assert.Equal(0x100000u, loaded.LowestAddress);
        Assert.True(loaded.HighestAddress > loaded.LowestAddress);
    }

    [Fact]
    public void Not_an_elf_image_is_rejected()
    {
        Assert.Contains("not an ELF image", LoadError("MZ\x90\0 this is a PE file"u8.ToArray()));
        Assert.Contains("not an ELF image", LoadError([]));
    }

    [Fact]
    public void A_64_bit_image_is_rejected()
    {
        var image = GoodImage();
        image[4] = 2; // ELFCLASS64
        Assert.Contains("not a 32-bit ELF image", LoadError(image));
    }

    [Fact]
    public void A_big_endian_image_is_rejected()
    {
        var image = GoodImage();
        image[5] = 2; // ELFDATA2MSB
        Assert.Contains("not a little-endian ELF image", LoadError(image));
    }

    [Fact]
    public void An_image_for_another_machine_is_rejected()
    {
        var image = GoodImage();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(18), 62); // EM_X86_64
        Assert.Contains("not an i386 ELF image (e_machine 62", LoadError(image));
    }

    [Fact]
    public void A_relocatable_or_shared_object_is_rejected()
    {
        var image = GoodImage();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(16), 3); // ET_DYN
        Assert.Contains("not an executable ELF image (e_type 3", LoadError(image));
    }

    [Fact]
    public void A_truncated_header_is_rejected()
    {
        Assert.Contains("truncated ELF header", LoadError(GoodImage()[..40]));
    }

    [Fact]
    public void Truncated_program_headers_are_rejected()
    {
        Assert.Contains("truncated ELF program headers", LoadError(GoodImage()[..100]));
    }

    [Fact]
    public void A_truncated_segment_is_rejected()
    {
        var image = GoodImage();
        Assert.Contains("truncated ELF image: PT_LOAD segment 2", LoadError(image[..(image.Length - 1)]));
    }

    [Fact]
    public void A_segment_beyond_ram_is_rejected()
    {
        var image = BuildElf(0x3FF000, new Seg(1, 0x3FF000, Filled(0x10, 1), 0x2000));
        string message = LoadError(image);
        Assert.Contains("PT_LOAD segment 0 at physical [0x3ff000, 0x401000) lies outside guest RAM [0, 0x400000)", message);
    }

    [Fact]
    public void A_segment_whose_end_wraps_past_four_gigabytes_is_rejected()
    {
        var image = BuildElf(0xFFFFF000, new Seg(1, 0xFFFFF000, Filled(0x10, 1), 0x2000));
        Assert.Contains("lies outside guest RAM", LoadError(image));
    }

    [Fact]
    public void Ram_smaller_than_memory_bounds_the_segments()
    {
        // The device page sits above RAM: a kernel must not load over it.
        var image = BuildElf(0x200000, new Seg(1, 0x200000, Filled(0x10, 1), 0x10));
        Assert.Contains("lies outside guest RAM [0, 0x100000)", LoadError(image, ram: 0x100000));
    }

    [Fact]
    public void Filesz_larger_than_memsz_is_rejected()
    {
        var image = BuildElf(0x100000, new Seg(1, 0x100000, Filled(0x40, 1), 0x20));
        Assert.Contains("p_filesz 0x40 is larger than p_memsz 0x20", LoadError(image));
    }

    [Fact]
    public void An_image_without_pt_load_is_rejected()
    {
        var image = BuildElf(0x100000, new Seg(4, 0x100000, Filled(0x10, 1), 0x10));
        Assert.Contains("no PT_LOAD segment", LoadError(image));
    }

    [Fact]
    public void An_entry_point_outside_the_segments_is_rejected_and_memory_is_left_untouched()
    {
        var memory = new GuestMemory((long)Ram);
        var image = BuildElf(0x200000, new Seg(1, 0x100000, Filled(0x10, 0x90), 0x10));
        var error = Assert.Throws<GuestImageException>(() => Elf32Loader.Load(memory, image, Ram));
        Assert.Equal("ELF entry point 0x00200000 is not inside any PT_LOAD segment", error.Message);
        Assert.Equal(0, memory.ReadU8(0x100000));
    }

    [Fact]
    public void Every_error_is_one_line()
    {
        var image = GoodImage();
        image[4] = 2;
        Assert.DoesNotContain('\n', LoadError(image));
    }
}
