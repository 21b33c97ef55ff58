using System.Buffers.Binary;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher.Boot;

/// <summary>
/// The page directory the guest starts with (the <c>pgdir</c> of <c>Initialize</c>, DESIGN §5):
/// guest-physical memory mapped twice with 4 MiB pages — at identity, because the kernel's entry
/// runs at its physical address, and at <see cref="PageOffset"/>, where an i386 kernel linked for
/// the 3G/1G split expects itself. Both maps cover the device page and the rings too, so a guest
/// can reach its devices before it builds its own tables.
/// </summary>
public static class InitialPageTables
{
    /// <summary>Linux i386's PAGE_OFFSET: kernel virtual address of guest physical 0.</summary>
    public const uint PageOffset = 0xC0000000;

    /// <summary>The kernel window [PageOffset, 4 GiB): the most that can be mapped at PageOffset.</summary>
    public const ulong MaxMapBytes = 0x1_0000_0000UL - PageOffset;

    /// <summary>One PDE with PSE maps 4 MiB.</summary>
    public const uint LargePageSize = 4 * 1024 * 1024;

    /// <summary>A page directory holds 1024 PDEs of 4 bytes: one page.</summary>
    public const int EntryCount = 1024;

    /// <summary>PDE bit 0: present.</summary>
    public const uint Present = 0x001;

    /// <summary>PDE bit 1: writable.</summary>
    public const uint Writable = 0x002;

    /// <summary>PDE bit 5: accessed. Pre-set so the vCPU need not write the PDE back on first use.</summary>
    public const uint Accessed = 0x020;

    /// <summary>PDE bit 6: dirty (a 4 MiB PDE is the leaf). Pre-set for the same reason.</summary>
    public const uint Dirty = 0x040;

    /// <summary>PDE bit 7: PS — this entry maps a 4 MiB page, with no page table under it.</summary>
    public const uint LargePage = 0x080;

    /// <summary>The flags of every PDE written here: kernel-only, read/write, 4 MiB.</summary>
    public const uint KernelLargePageFlags = Present | Writable | Accessed | Dirty | LargePage;

    /// <summary>PDE index of <see cref="PageOffset"/> (768).</summary>
    public const int KernelFirstEntry = (int)(PageOffset / LargePageSize);

    /// <summary>
    /// Writes the page directory at <paramref name="pgdirAddress"/>: [0, <paramref name="mapBytes"/>)
    /// rounded up to 4 MiB, at identity and at <see cref="PageOffset"/>; every other entry not present.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pgdirAddress"/> is not page-aligned or its page is outside <paramref name="memory"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mapBytes"/> is 0 or larger than the 1 GiB kernel window.</exception>
    public static void Build(GuestMemory memory, uint pgdirAddress, ulong mapBytes)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (pgdirAddress % GuestMemory.PageSize != 0)
        {
            throw new ArgumentException($"the page directory address 0x{pgdirAddress:x} is not page-aligned", nameof(pgdirAddress));
        }
        if (!memory.Contains(pgdirAddress, GuestMemory.PageSize))
        {
            throw new ArgumentException(
                $"the page directory page at 0x{pgdirAddress:x} is outside guest memory (size 0x{memory.Size:x})", nameof(pgdirAddress));
        }
        if (mapBytes == 0 || mapBytes > MaxMapBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(mapBytes), mapBytes,
                $"the initial map must cover 1 byte to 1 GiB (the kernel window at 0x{PageOffset:x8})");
        }

        int mapped = (int)((mapBytes + LargePageSize - 1) / LargePageSize);
        Span<byte> pgdir = memory.WritableSpan(pgdirAddress, GuestMemory.PageSize);
        pgdir.Clear();
        for (int i = 0; i < mapped; i++)
        {
            uint pde = ((uint)i * LargePageSize) | KernelLargePageFlags;
            BinaryPrimitives.WriteUInt32LittleEndian(pgdir[(i * 4)..], pde);
            BinaryPrimitives.WriteUInt32LittleEndian(pgdir[((KernelFirstEntry + i) * 4)..], pde);
        }
    }
}
