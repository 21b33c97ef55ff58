using System.Buffers.Binary;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Launcher;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Tests;

public sealed class DevicePageTests
{
    private const ulong Ram = 16 << 20;

    // A console (2 queues, 4 feature bytes, no config) and a block-like device (1 queue of 128,
    // 1 feature byte, 8 config bytes): enough to check every field of the seed layout.
    private static readonly DeviceSpec Console = new(3, 2, FeatureBits.Of(4, 28, 29), ReadOnlyMemory<byte>.Empty);
    private static readonly DeviceSpec Block = new(2, 1, new byte[] { 0x42 }, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 128);

    private static (GuestMemory Memory, DevicePage Page) Build()
    {
        var page = DevicePage.Layout(Ram, [Console, Block]);
        var memory = new GuestMemory((long)page.End);
        page.Write(memory);
        return (memory, page);
    }

    [Fact]
    public void The_device_page_sits_just_above_RAM()
    {
        var (_, page) = Build();
        Assert.Equal(Ram, page.Address);
        Assert.Equal(Ram, page.Devices[0].Address);
    }

    [Fact]
    public void Each_descriptor_is_laid_out_byte_for_byte_as_lguest_device_desc()
    {
        var (memory, _) = Build();
        var raw = memory.ReadOnlySpan(Ram, GuestMemory.PageSize);

        // Console: header type, num_vq, feature_len, config_len, status.
        Assert.Equal(new byte[] { 3, 2, 4, 0, 0 }, raw[..5].ToArray());
        // Two vqconfigs {u16 num, u16 irq, u32 pfn}, little-endian.
        uint firstRingPfn = (uint)(Ram / 4096) + 1;
        uint ringPages = RingLayout.Pages(256);
        Assert.Equal(256, BinaryPrimitives.ReadUInt16LittleEndian(raw[5..]));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(raw[7..]));
        Assert.Equal(firstRingPfn, BinaryPrimitives.ReadUInt32LittleEndian(raw[9..]));
        Assert.Equal(256, BinaryPrimitives.ReadUInt16LittleEndian(raw[13..]));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(raw[15..]));
        Assert.Equal(firstRingPfn + ringPages, BinaryPrimitives.ReadUInt32LittleEndian(raw[17..]));
        // Offered features (bits 28, 29 → byte 3 = 0x30), then 4 zero accepted bytes, no config.
        Assert.Equal(new byte[] { 0, 0, 0, 0x30 }, raw.Slice(21, 4).ToArray());
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, raw.Slice(25, 4).ToArray());

        // Block starts right after: 5 + 2*8 + 2*4 + 0 = 29.
        var blk = raw[29..];
        Assert.Equal(new byte[] { 2, 1, 1, 8, 0 }, blk[..5].ToArray());
        Assert.Equal(128, BinaryPrimitives.ReadUInt16LittleEndian(blk[5..]));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(blk[7..]));
        Assert.Equal(firstRingPfn + (2 * ringPages), BinaryPrimitives.ReadUInt32LittleEndian(blk[9..]));
        Assert.Equal(0x42, blk[13]);
        Assert.Equal(0, blk[14]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, blk.Slice(15, 8).ToArray());

        // Type 0 ends the table.
        Assert.Equal(0, blk[23]);
    }

    [Fact]
    public void Descriptor_sizes_follow_lg_desc_size()
    {
        var (_, page) = Build();
        Assert.Equal(29, page.Devices[0].Size);
        Assert.Equal(5 + 8 + 2 + 8, page.Devices[1].Size);
        Assert.Equal(Ram + 29, page.Devices[1].Address);
        Assert.Equal(Ram + 29 + 4, page.Devices[1].StatusAddress);
    }

    [Fact]
    public void Rings_are_page_aligned_after_the_device_page_and_take_whole_pages()
    {
        var (_, page) = Build();
        var rings = page.Devices.SelectMany(d => d.Queues).ToList();
        ulong expected = Ram + GuestMemory.PageSize;
        foreach (var q in rings)
        {
            Assert.Equal(0ul, q.RingAddress % GuestMemory.PageSize);
            Assert.Equal(expected, q.RingAddress);
            expected += (ulong)RingLayout.Pages(q.Num) * GuestMemory.PageSize;
        }
        Assert.Equal(expected, page.End);
        // vring_size(256, 4096) = 4096 + 2054 + 4096-aligned used ring = 10246 bytes → 3 pages.
        Assert.Equal(10246ul, RingLayout.ByteSize(256));
        Assert.Equal(3u, RingLayout.Pages(256));
    }

    [Fact]
    public void Virtqueue_IRQs_count_up_from_1_because_IRQ_0_is_the_timer()
    {
        var (_, page) = Build();
        Assert.Equal(new ushort[] { 1, 2, 3 }, page.Devices.SelectMany(d => d.Queues).Select(q => q.Irq).ToArray());
    }

    [Fact]
    public void A_written_page_reads_back_as_the_same_descriptors()
    {
        var (memory, page) = Build();
        var read = DevicePage.Read(memory, Ram);
        Assert.Equal(2, read.Count);
        for (int i = 0; i < read.Count; i++)
        {
            Assert.Equal(page.Devices[i].Address, read[i].Address);
            Assert.Equal(page.Devices[i].Type, read[i].Type);
            Assert.Equal(page.Devices[i].Queues, read[i].Queues);
            Assert.Equal(page.Devices[i].OfferedFeatures.ToArray(), read[i].OfferedFeatures.ToArray());
            Assert.Equal(page.Devices[i].Config.ToArray(), read[i].Config.ToArray());
        }
    }

    [Fact]
    public void Notify_addresses_are_recognised_as_descriptors_or_rings()
    {
        var (_, page) = Build();
        Assert.Equal(0, page.DeviceIndexAt(Ram));
        Assert.Equal(1, page.DeviceIndexAt(Ram + 29));
        Assert.Equal(-1, page.DeviceIndexAt(Ram + 4));
        Assert.True(page.TryFindRing(page.Devices[1].Queues[0].RingAddress, out int device, out int queue));
        Assert.Equal((1, 0), (device, queue));
        Assert.False(page.TryFindRing(Ram, out _, out _));
    }

    [Fact]
    public void The_console_offers_the_ring_features_the_engine_implements()
    {
        var offered = ConsoleDevice.OfferedFeatures();
        Assert.True(FeatureBits.Has(offered, FeatureBits.RingIndirectDesc));
        Assert.True(FeatureBits.Has(offered, FeatureBits.RingEventIdx));
    }

    [Fact]
    public void Descriptors_that_do_not_fit_one_page_are_refused()
    {
        var big = new DeviceSpec(2, 1, new byte[200], new byte[200]);
        var ex = Assert.Throws<ArgumentException>(() => DevicePage.Layout(Ram, Enumerable.Repeat(big, 10).ToList()));
        Assert.Contains("one page", ex.Message, StringComparison.Ordinal);
    }
}
