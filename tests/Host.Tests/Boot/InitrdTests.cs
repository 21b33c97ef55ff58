using LguestActors.Actors.Launcher.Boot;
using LguestActors.Cpu.Loader;
using LguestActors.Cpu.Memory;

namespace LguestActors.Host.Tests.Boot;

// lguest's launcher: the initrd at the top of RAM, page-aligned, and in the zero page
// ramdisk_image (0x218), ramdisk_size (0x21C, the page-aligned length), type_of_loader (0x210) = 0xFF.
// Offsets are literals on purpose (Linux's boot ABI, arch/x86/include/uapi/asm/bootparam.h).
public sealed class InitrdTests
{
    private const ulong MiB = 1024 * 1024;

    [Fact]
    public void The_initrd_goes_at_the_top_of_ram_in_whole_pages_with_the_tail_zeroed()
    {
        var memory = new GuestMemory((long)(8 * MiB) + 3 * 4096);
        memory.Fill(0, (int)memory.Size, 0xCC);
        byte[] image = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();

        InitrdPlacement placed = Initrd.Place(memory, 8 * MiB, image, lowestFree: 2 * MiB);

        Assert.Equal(new InitrdPlacement((uint)(8 * MiB - 8192), 8192), placed);
        Assert.Equal(image, memory.ReadOnlySpan(placed.Address, image.Length).ToArray());
        Assert.All(memory.ReadOnlySpan(placed.Address + 5000, 8192 - 5000).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0xCC, memory.ReadU8(placed.Address - 1));      // below it: untouched
        Assert.Equal(0xCC, memory.ReadU8(8 * MiB));                 // the device page above RAM: untouched
    }

    [Fact]
    public void The_zero_page_says_where_the_initrd_is_as_lguests_launcher_did()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        BootParams.Write(memory, 8 * MiB, "console=hvc0", new InitrdPlacement(0x7F0000, 0x10000));

        Assert.Equal(0xFF, memory.ReadU8(0x210));                  // hdr.type_of_loader: unknown
        Assert.Equal(0x7F0000U, memory.ReadU32(0x218));            // hdr.ramdisk_image
        Assert.Equal(0x10000U, memory.ReadU32(0x21C));             // hdr.ramdisk_size
    }

    [Fact]
    public void Without_an_initrd_the_zero_page_names_none()
    {
        var memory = new GuestMemory((long)(8 * MiB));
        memory.Fill(0, 4096, 0xCC);

        BootParams.Write(memory, 8 * MiB, "");

        Assert.Equal(0, memory.ReadU8(0x210));
        Assert.Equal(0U, memory.ReadU32(0x218));
        Assert.Equal(0U, memory.ReadU32(0x21C));
    }

    [Fact]
    public void An_initrd_that_would_overlap_the_kernel_is_refused_with_the_sizes_and_what_to_do()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        var error = Assert.Throws<GuestImageException>(() => Initrd.Place(memory, 8 * MiB, new byte[(int)(3 * MiB) + 1], lowestFree: 5 * MiB));

        Assert.Equal(
            "the initrd (3145729 bytes, 3076 KiB in whole pages) does not fit at the top of 8 MiB of RAM above the kernel " +
            "(which ends at 0x500000; 3072 KiB free): give the guest more memory",
            error.Message);
    }

    [Fact]
    public void An_initrd_that_exactly_fills_the_room_above_the_kernel_fits()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        InitrdPlacement placed = Initrd.Place(memory, 8 * MiB, new byte[(int)(3 * MiB)], lowestFree: 5 * MiB);

        Assert.Equal((uint)(5 * MiB), placed.Address);
    }

    [Fact]
    public void An_empty_initrd_is_refused()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        var error = Assert.Throws<GuestImageException>(() => Initrd.Place(memory, 8 * MiB, [], lowestFree: 0));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_placement_outside_ram_is_refused_by_the_zero_page_writer()
    {
        var memory = new GuestMemory((long)(8 * MiB));

        Assert.Throws<ArgumentOutOfRangeException>(() => BootParams.Write(memory, 8 * MiB, "", new InitrdPlacement((uint)(8 * MiB - 4096), 8192)));
    }
}
