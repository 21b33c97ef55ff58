using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu.Tests;

public sealed class GuestMemoryTests
{
    [Fact]
    public void Reads_and_writes_are_little_endian()
    {
        var memory = new GuestMemory(2 * GuestMemory.PageSize);
        memory.WriteU32(0x10, 0x11223344);
        Assert.Equal(0x44, memory.ReadU8(0x10));
        Assert.Equal(0x3344, memory.ReadU16(0x10));
        memory.WriteU64(0x20, 0x0102030405060708);
        Assert.Equal(0x05060708u, memory.ReadU32(0x20));
    }

    [Theory]
    [InlineData(0x2000ul, 1)]
    [InlineData(0x1fffUL, 2)]
    [InlineData(ulong.MaxValue, 1)]
    [InlineData(0xfffffffffffff000ul, 0x2000)]
    public void An_access_outside_memory_is_a_guest_memory_error_not_a_host_crash(ulong address, int length)
    {
        var memory = new GuestMemory(2 * GuestMemory.PageSize);
        Assert.False(memory.Contains(address, (ulong)length));
        var error = Assert.Throws<GuestMemoryException>(() => memory.Span(address, length));
        Assert.Equal(address, error.Address);
    }

    [Fact]
    public void A_write_to_a_page_holding_code_bumps_the_code_epoch_once()
    {
        var memory = new GuestMemory(4 * GuestMemory.PageSize);
        memory.MarkCodePage(2);
        int before = memory.CodeEpoch;
        memory.WriteU8(0x1fff, 1);
        Assert.Equal(before, memory.CodeEpoch);
        memory.WriteU16(0x2ffe, 7);
        memory.WriteU16(0x2ffe, 8);
        Assert.Equal(before + 1, memory.CodeEpoch);
        Assert.True(memory.TryDequeueDirtyCodePage(out uint pfn));
        Assert.Equal(2u, pfn);
    }

    [Fact]
    public void A_new_guest_memory_reads_as_zeros_and_holds_no_host_memory_until_written()
    {
        using var memory = new GuestMemory(1L << 30);
        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(-1, memory.ResidentBytes); // resident pages are read with mincore, on Linux only
            return;
        }
        Assert.Equal(0, memory.ResidentBytes);

        memory.WriteU32(0, 1);
        memory.WriteU32(0x1234_5678, 2);
        memory.WriteU32((1L << 30) - 4, 3);

        Assert.Equal(3 * GuestMemory.PageSize, memory.ResidentBytes);
        Assert.Equal(0u, memory.ReadU32(4));
        Assert.Equal(2u, memory.ReadU32(0x1234_5678));
        Assert.Equal(3u, memory.ReadU32((ulong)(1L << 30) - 4));
    }

    [Fact]
    public void Zeroing_gives_whole_pages_back_and_clears_exactly_the_range()
    {
        using var memory = new GuestMemory(8 * GuestMemory.PageSize);
        memory.Fill(0, 8 * GuestMemory.PageSize, 0xAA);

        memory.Fill(0x1800, 0x4000, 0); // half a page, three whole pages, half a page

        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(5 * GuestMemory.PageSize, memory.ResidentBytes); // before reading: a read maps the zero page
        }
        Assert.Equal(0xAA, memory.ReadU8(0x17FF));
        Assert.All(memory.ReadOnlySpan(0x1800, 0x4000).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0xAA, memory.ReadU8(0x5800));
    }

    [Fact]
    public void Zeroing_a_page_that_holds_code_drops_the_decoded_code()
    {
        using var memory = new GuestMemory(4 * GuestMemory.PageSize);
        memory.MarkCodePage(1);
        int before = memory.CodeEpoch;

        memory.Fill(0, 4 * GuestMemory.PageSize, 0);

        Assert.Equal(before + 1, memory.CodeEpoch);
    }

    [Fact]
    public void A_disposed_memory_refuses_every_access_instead_of_touching_the_released_mapping()
    {
        var memory = new GuestMemory(2 * GuestMemory.PageSize);
        memory.WriteU32(0, 7);

        memory.Dispose();

        Assert.Equal(0, memory.Size);
        Assert.False(memory.Contains(0, 1));
        Assert.Throws<GuestMemoryException>(() => memory.ReadU32(0));
        Assert.Throws<GuestMemoryException>(() => memory.WriteU16Release(0, 1));
        memory.Dispose(); // twice is harmless
    }
}
