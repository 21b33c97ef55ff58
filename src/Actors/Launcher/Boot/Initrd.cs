using LguestActors.Cpu.Loader;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher.Boot;

/// <summary>Where the initrd went in guest RAM: its physical address and its page-aligned length.</summary>
public readonly record struct InitrdPlacement(uint Address, uint Size);

/// <summary>
/// Places an initial RAM disk as lguest's launcher did (<c>load_initrd</c>): at the very top of
/// guest RAM, just below the device page, with its length rounded up to whole pages (the bytes
/// past the file stay zero, which the kernel's cpio unpacker skips). The zero page then says where
/// it is (<see cref="BootParams"/>); the kernel reserves that memory and frees it once unpacked.
/// </summary>
public static class Initrd
{
    /// <summary>
    /// Copies <paramref name="image"/> to the top of [0, <paramref name="ramSize"/>).
    /// <paramref name="lowestFree"/> is the first byte nothing else needs (past the kernel image
    /// and the boot area): the initrd must lie wholly above it.
    /// </summary>
    /// <exception cref="GuestImageException">the image is empty, or it does not fit between <paramref name="lowestFree"/> and the top of RAM.</exception>
    public static InitrdPlacement Place(GuestMemory memory, ulong ramSize, ReadOnlySpan<byte> image, ulong lowestFree)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (ramSize > (ulong)memory.Size || ramSize % GuestMemory.PageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ramSize), ramSize, "RAM must be whole pages inside guest memory");
        }
        if (image.IsEmpty)
        {
            throw new GuestImageException("the initrd is empty: a kernel reads a zero-length initrd as none at all");
        }
        ulong size = ((ulong)image.Length + GuestMemory.PageSize - 1) & ~(ulong)(GuestMemory.PageSize - 1);
        if (size > ramSize || ramSize - size < lowestFree)
        {
            ulong room = ramSize > lowestFree ? ramSize - lowestFree : 0;
            throw new GuestImageException(
                $"the initrd ({image.Length} bytes, {size >> 10} KiB in whole pages) does not fit at the top of " +
                $"{ramSize >> 20} MiB of RAM above the kernel (which ends at 0x{lowestFree:x}; {room >> 10} KiB free): give the guest more memory");
        }
        uint address = checked((uint)(ramSize - size));
        memory.Write(address, image);
        memory.Fill(address + (uint)image.Length, (int)(size - (ulong)image.Length), 0);
        return new InitrdPlacement(address, (uint)size);
    }
}
