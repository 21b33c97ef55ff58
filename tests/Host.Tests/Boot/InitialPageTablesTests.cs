using LguestActors.Actors.Launcher.Boot;
using LguestActors.Cpu.Memory;

namespace LguestActors.Host.Tests.Boot;

public sealed class InitialPageTablesTests
{
    private const ulong MiB = 1024 * 1024;
    private const uint Pgdir = 0x3000;

    // present | writable | accessed | dirty | PS (4 MiB)
    private const uint Flags = 0x1 | 0x2 | 0x20 | 0x40 | 0x80;

    private static uint Pde(GuestMemory memory, int index) => memory.ReadU32(Pgdir + (uint)index * 4);

    [Fact]
    public void Ram_is_mapped_at_identity_and_at_page_offset_with_4_mib_pages()
    {
        var memory = new GuestMemory((long)(16 * MiB));

        InitialPageTables.Build(memory, Pgdir, 16 * MiB);

        for (int i = 0; i < 4; i++)
        {
            uint expected = (uint)i * 0x400000 | Flags;
            Assert.Equal(expected, Pde(memory, i));          // identity: virtual i*4M -> physical i*4M
            Assert.Equal(expected, Pde(memory, 768 + i));    // 0xC0000000 + i*4M -> physical i*4M
        }
        Assert.Equal(0U, Pde(memory, 4));
        Assert.Equal(0U, Pde(memory, 772));
    }

    [Fact]
    public void Every_other_entry_is_not_present()
    {
        var memory = new GuestMemory((long)(8 * MiB));
        memory.Fill(Pgdir, 4096, 0xFF);

        InitialPageTables.Build(memory, Pgdir, 8 * MiB);

        for (int i = 0; i < 1024; i++)
        {
            bool mapped = i is 0 or 1 or 768 or 769;
            Assert.True(mapped == ((Pde(memory, i) & 1) != 0), $"PDE {i} present bit is wrong: 0x{Pde(memory, i):x8}");
            if (!mapped)
            {
                Assert.Equal(0U, Pde(memory, i));
            }
        }
    }

    [Fact]
    public void Map_size_is_rounded_up_to_whole_4_mib_pages()
    {
        // RAM plus a device page and rings just above it: 8 MiB + 3 pages needs a third 4 MiB page.
        var memory = new GuestMemory((long)(8 * MiB) + 3 * 4096);

        InitialPageTables.Build(memory, Pgdir, 8 * MiB + 3 * 4096);

        Assert.Equal(0x00800000U | Flags, Pde(memory, 2));
        Assert.Equal(0x00800000U | Flags, Pde(memory, 770));
        Assert.Equal(0U, Pde(memory, 3));
    }

    [Fact]
    public void A_full_gigabyte_fills_the_kernel_window_to_the_last_entry()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        InitialPageTables.Build(memory, Pgdir, 1024 * MiB);

        Assert.Equal(0x3FC00000U | Flags, Pde(memory, 255));
        Assert.Equal(0x3FC00000U | Flags, Pde(memory, 1023));
        Assert.Equal(0U, Pde(memory, 256));
        Assert.Equal(0U, Pde(memory, 767));
    }

    [Fact]
    public void Page_offset_is_linux_i386_page_offset()
    {
        Assert.Equal(0xC0000000U, InitialPageTables.PageOffset);
    }

    [Fact]
    public void Page_directory_that_is_not_page_aligned_is_rejected()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        var error = Assert.Throws<ArgumentException>(() => InitialPageTables.Build(memory, 0x3004, 8 * MiB));

        Assert.Equal("pgdirAddress", error.ParamName);
        Assert.Contains("not page-aligned", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x800000U)]   // the first page past the end
    [InlineData(0xFFFFF000U)]
    public void Page_directory_outside_memory_is_rejected(uint pgdir)
    {
        var memory = new GuestMemory((long)(8 * MiB));

        var error = Assert.Throws<ArgumentException>(() => InitialPageTables.Build(memory, pgdir, 8 * MiB));

        Assert.Equal("pgdirAddress", error.ParamName);
        Assert.Contains("outside guest memory", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1024 * MiB + 1)]
    [InlineData(ulong.MaxValue)]
    public void Map_size_of_zero_or_beyond_the_1_gib_kernel_window_is_rejected(ulong mapBytes)
    {
        var memory = new GuestMemory((long)(8 * MiB));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => InitialPageTables.Build(memory, Pgdir, mapBytes));

        Assert.Equal("mapBytes", error.ParamName);
    }

    [Fact]
    public void Build_writes_only_the_page_directory_page()
    {
        var memory = new GuestMemory((long)(8 * MiB));
        memory.Fill(Pgdir - 4096, 4096, 0xAB);
        memory.Fill(Pgdir + 4096, 4096, 0xCD);

        InitialPageTables.Build(memory, Pgdir, 8 * MiB);

        Assert.All(memory.ReadOnlySpan(Pgdir - 4096, 4096).ToArray(), b => Assert.Equal(0xAB, b));
        Assert.All(memory.ReadOnlySpan(Pgdir + 4096, 4096).ToArray(), b => Assert.Equal(0xCD, b));
    }
}
