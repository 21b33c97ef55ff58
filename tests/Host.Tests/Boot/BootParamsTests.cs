using System.Buffers.Binary;
using System.Text;
using LguestActors.Actors.Launcher.Boot;
using LguestActors.Cpu.Memory;

namespace LguestActors.Host.Tests.Boot;

// Offsets are literals on purpose: they are Linux's boot ABI (arch/x86/include/uapi/asm/bootparam.h),
// so a typo in BootParams' constants must fail here rather than be read back through itself.
public sealed class BootParamsTests
{
    private const ulong MiB = 1024 * 1024;

    private static GuestMemory Boot(ulong memSize, string commandLine, long memoryBytes = 0)
    {
        var memory = new GuestMemory(memoryBytes == 0 ? (long)memSize : memoryBytes);
        BootParams.Write(memory, memSize, commandLine);
        return memory;
    }

    [Fact]
    public void Zero_page_describes_one_e820_ram_entry_covering_all_of_ram()
    {
        GuestMemory memory = Boot(16 * MiB, "console=hvc0", memoryBytes: (long)(16 * MiB) + 8 * 4096);

        Assert.Equal(1, memory.ReadU8(0x1E8));                 // e820_entries
        Assert.Equal(0UL, memory.ReadU64(0x2D0));              // e820_table[0].addr
        Assert.Equal(16 * MiB, memory.ReadU64(0x2D0 + 8));     // e820_table[0].size: RAM only, not the device page
        Assert.Equal(1U, memory.ReadU32(0x2D0 + 16));          // e820_table[0].type = E820_RAM
        Assert.Equal(0UL, memory.ReadU64(0x2D0 + 20));         // e820_table[1] left empty
        Assert.Equal(0U, memory.ReadU32(0x2D0 + 36));
    }

    [Fact]
    public void Setup_header_carries_the_fields_lguest_set()
    {
        GuestMemory memory = Boot(8 * MiB, "");

        Assert.Equal((ushort)0x0207, memory.ReadU16(0x206));   // hdr.version
        Assert.Equal(0x40, memory.ReadU8(0x211) & 0x40);       // hdr.loadflags has KEEP_SEGMENTS
        Assert.Equal(4096U, memory.ReadU32(0x228));            // hdr.cmd_line_ptr
        Assert.Equal(2047U, memory.ReadU32(0x238));            // hdr.cmdline_size, NUL excluded
        Assert.Equal(1U, memory.ReadU32(0x23C));               // hdr.hardware_subarch = X86_SUBARCH_LGUEST
    }

    [Fact]
    public void Command_line_is_written_nul_terminated_right_after_the_zero_page()
    {
        GuestMemory memory = Boot(8 * MiB, "root=/dev/vda console=hvc0");

        byte[] expected = Encoding.ASCII.GetBytes("root=/dev/vda console=hvc0\0");
        Assert.Equal(expected, memory.ReadOnlySpan(4096, expected.Length).ToArray());
    }

    [Fact]
    public void Every_byte_of_the_zero_page_not_set_by_the_boot_protocol_is_zero()
    {
        var memory = new GuestMemory((long)(8 * MiB));
        memory.Fill(0, 8192, 0xCC);
        BootParams.Write(memory, 8 * MiB, "x");

        var written = new HashSet<int> { 0x1E8, 0x206, 0x207, 0x211, 0x228, 0x229, 0x22A, 0x22B, 0x238, 0x239, 0x23A, 0x23B, 0x23C, 0x23D, 0x23E, 0x23F };
        for (int i = 0x2D0; i < 0x2D0 + 20; i++)
        {
            written.Add(i);
        }
        ReadOnlySpan<byte> page = memory.ReadOnlySpan(0, 4096);
        for (int i = 0; i < 4096; i++)
        {
            if (!written.Contains(i))
            {
                Assert.True(page[i] == 0, $"zero page byte 0x{i:x} is 0x{page[i]:x2}, expected 0");
            }
        }
        Assert.Equal(0, memory.ReadU8(0x211) & ~0x40);         // loadflags: nothing but KEEP_SEGMENTS
        // The rest of the old command line is gone too: the guest sees "x" and a zeroed buffer.
        Assert.Equal((byte)'x', memory.ReadU8(4096));
        Assert.All(memory.ReadOnlySpan(4097, 2047).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Command_line_of_exactly_2047_bytes_fits()
    {
        string longest = new('a', 2047);
        GuestMemory memory = Boot(8 * MiB, longest);

        Assert.Equal((byte)'a', memory.ReadU8(4096 + 2046));
        Assert.Equal(0, memory.ReadU8(4096 + 2047));
    }

    [Fact]
    public void Command_line_longer_than_linux_allows_is_rejected_with_its_length()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        var error = Assert.Throws<ArgumentException>(() => BootParams.Write(memory, 8 * MiB, new string('a', 2048)));

        Assert.Equal("commandLine", error.ParamName);
        Assert.Contains("2048 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("2047", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_line_length_counts_utf8_bytes_not_characters()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        Assert.Throws<ArgumentException>(() => BootParams.Write(memory, 8 * MiB, new string('é', 1024)));
    }

    [Fact]
    public void Command_line_with_a_nul_is_rejected()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        var error = Assert.Throws<ArgumentException>(() => BootParams.Write(memory, 8 * MiB, "a\0b"));

        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(4096UL)]                 // no room for the command line
    [InlineData(8 * MiB + 4096)]         // more RAM than memory
    public void Ram_size_that_cannot_hold_the_boot_area_or_exceeds_memory_is_rejected(ulong memSize)
    {
        var memory = new GuestMemory((long)(8 * MiB));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BootParams.Write(memory, memSize, ""));

        Assert.Equal("memSize", error.ParamName);
    }

    [Fact]
    public void Layout_constants_match_linux_boot_params()
    {
        // Guards the public constants other code (and the vCPU's tests) may use.
        Assert.Equal(0x1E8, BootParams.E820EntriesOffset);
        Assert.Equal(0x2D0, BootParams.E820TableOffset);
        Assert.Equal(20, BootParams.E820EntrySize);
        Assert.Equal(0x206, BootParams.VersionOffset);
        Assert.Equal(0x211, BootParams.LoadFlagsOffset);
        Assert.Equal(0x228, BootParams.CommandLinePointerOffset);
        Assert.Equal(0x238, BootParams.CommandLineSizeOffset);
        Assert.Equal(0x23C, BootParams.HardwareSubarchOffset);
        Assert.Equal(4096U, BootParams.CommandLineAddress);
        Assert.Equal(0x40, BootParams.KeepSegments);
    }

    [Fact]
    public void Fields_are_little_endian()
    {
        GuestMemory memory = Boot(8 * MiB, "");

        Assert.Equal(new byte[] { 0x07, 0x02 }, memory.ReadOnlySpan(0x206, 2).ToArray());
        Assert.Equal(new byte[] { 0x00, 0x10, 0x00, 0x00 }, memory.ReadOnlySpan(0x228, 4).ToArray());
        Assert.Equal(8 * MiB, BinaryPrimitives.ReadUInt64LittleEndian(memory.ReadOnlySpan(0x2D8, 8)));
    }
}
