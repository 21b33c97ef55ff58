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
}
