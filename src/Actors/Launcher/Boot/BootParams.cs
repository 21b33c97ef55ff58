using System.Buffers.Binary;
using System.Text;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher.Boot;

/// <summary>
/// Writes Linux's <c>struct boot_params</c> (the "zero page") at guest physical 0 and the kernel
/// command line right after it, as the lguest launcher did (DESIGN §5). The guest finds it
/// through ESI = 0 at entry. Only the fields lguest filled in are written; the rest of the page
/// is zero, which Linux reads as "not provided".
/// </summary>
public static class BootParams
{
    /// <summary>Guest physical address of the zero page (the guest starts with ESI pointing here).</summary>
    public const uint ZeroPageAddress = 0;

    /// <summary>sizeof(struct boot_params): one page.</summary>
    public const int ZeroPageSize = GuestMemory.PageSize;

    /// <summary>The command line goes right after the zero page, as lguest put it at <c>boot + 1</c>.</summary>
    public const uint CommandLineAddress = ZeroPageAddress + ZeroPageSize;

    /// <summary>Linux's COMMAND_LINE_SIZE on i386: the command line buffer, terminating NUL included.</summary>
    public const int CommandLineSize = 2048;

    /// <summary>The longest command line accepted, in bytes, without its terminating NUL.</summary>
    public const int MaxCommandLineBytes = CommandLineSize - 1;

    // Offsets into struct boot_params (arch/x86/include/uapi/asm/bootparam.h); setup_header starts at 0x1F1.

    /// <summary><c>boot_params.e820_entries</c> (u8): how many entries of the e820 table are valid.</summary>
    public const int E820EntriesOffset = 0x1E8;

    /// <summary><c>boot_params.hdr.version</c> (u16): the boot protocol version the loader speaks.</summary>
    public const int VersionOffset = 0x206;

    /// <summary><c>boot_params.hdr.type_of_loader</c> (u8): which boot loader; 0xFF is "unknown", as lguest's launcher said.</summary>
    public const int TypeOfLoaderOffset = 0x210;

    /// <summary><c>boot_params.hdr.loadflags</c> (u8).</summary>
    public const int LoadFlagsOffset = 0x211;

    /// <summary><c>boot_params.hdr.ramdisk_image</c> (u32): physical address of the initrd.</summary>
    public const int RamdiskImageOffset = 0x218;

    /// <summary><c>boot_params.hdr.ramdisk_size</c> (u32): its length in bytes (lguest gave the page-aligned length).</summary>
    public const int RamdiskSizeOffset = 0x21C;

    /// <summary><c>boot_params.hdr.cmd_line_ptr</c> (u32): physical address of the NUL-terminated command line.</summary>
    public const int CommandLinePointerOffset = 0x228;

    /// <summary><c>boot_params.hdr.cmdline_size</c> (u32): longest command line, terminating NUL excluded.</summary>
    public const int CommandLineSizeOffset = 0x238;

    /// <summary><c>boot_params.hdr.hardware_subarch</c> (u32): which paravirtualized platform booted the kernel.</summary>
    public const int HardwareSubarchOffset = 0x23C;

    /// <summary><c>boot_params.e820_table</c> (struct boot_e820_entry[128], 20 bytes each).</summary>
    public const int E820TableOffset = 0x2D0;

    /// <summary>sizeof(struct boot_e820_entry): u64 addr, u64 size, u32 type, packed.</summary>
    public const int E820EntrySize = 20;

    /// <summary>Boot protocol 2.07: the first with <c>hardware_subarch</c>, which lguest needs.</summary>
    public const ushort BootProtocolVersion = 0x0207;

    /// <summary>
    /// KEEP_SEGMENTS (loadflags bit 6): the kernel must not reload its segment registers at entry;
    /// an lguest guest runs with the segments the host gave it.
    /// </summary>
    public const byte KeepSegments = 0x40;

    /// <summary>X86_SUBARCH_LGUEST: the kernel's early boot jumps to lguest_entry.</summary>
    public const uint SubarchLguest = 1;

    /// <summary>The <c>type_of_loader</c> lguest's launcher wrote with an initrd: "unknown boot loader".</summary>
    public const byte UnknownLoader = 0xFF;

    /// <summary>E820_TYPE_RAM: usable memory.</summary>
    public const uint E820TypeRam = 1;

    /// <summary>
    /// Zeroes the zero page and the command-line buffer, then writes one e820 RAM entry
    /// [0, <paramref name="memSize"/>), the setup-header fields lguest set, the command line, and
    /// where the <paramref name="initrd"/> is if there is one (<see cref="Initrd.Place"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="memSize"/> is too small to hold the zero page and command line, or larger than <paramref name="memory"/>.</exception>
    /// <exception cref="ArgumentException">the command line is longer than <see cref="MaxCommandLineBytes"/> bytes or contains a NUL.</exception>
    public static void Write(GuestMemory memory, ulong memSize, string commandLine, InitrdPlacement? initrd = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(commandLine);
        const ulong bootArea = CommandLineAddress + CommandLineSize;
        if (memSize < bootArea || memSize > (ulong)memory.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(memSize), memSize,
                $"guest RAM must hold the zero page and the command line ({bootArea} bytes) and fit in guest memory ({memory.Size} bytes)");
        }

        byte[] line = EncodeCommandLine(commandLine);

        Span<byte> page = memory.WritableSpan(ZeroPageAddress, ZeroPageSize);
        page.Clear();
        page[E820EntriesOffset] = 1;
        Span<byte> ram = page.Slice(E820TableOffset, E820EntrySize);
        BinaryPrimitives.WriteUInt64LittleEndian(ram, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(ram[8..], memSize);
        BinaryPrimitives.WriteUInt32LittleEndian(ram[16..], E820TypeRam);
        BinaryPrimitives.WriteUInt16LittleEndian(page[VersionOffset..], BootProtocolVersion);
        page[LoadFlagsOffset] |= KeepSegments;
        BinaryPrimitives.WriteUInt32LittleEndian(page[CommandLinePointerOffset..], CommandLineAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(page[CommandLineSizeOffset..], MaxCommandLineBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(page[HardwareSubarchOffset..], SubarchLguest);
        if (initrd is InitrdPlacement rd)
        {
            if (rd.Size == 0 || (ulong)rd.Address + rd.Size > memSize)
            {
                throw new ArgumentOutOfRangeException(nameof(initrd), rd, $"the initrd must lie inside RAM [0, 0x{memSize:x})");
            }
            BinaryPrimitives.WriteUInt32LittleEndian(page[RamdiskImageOffset..], rd.Address);
            BinaryPrimitives.WriteUInt32LittleEndian(page[RamdiskSizeOffset..], rd.Size);
            page[TypeOfLoaderOffset] = UnknownLoader;
        }

        // The buffer is cleared whole, so the NUL after the text is already there.
        Span<byte> buffer = memory.WritableSpan(CommandLineAddress, CommandLineSize);
        buffer.Clear();
        line.CopyTo(buffer);
    }

    private static byte[] EncodeCommandLine(string commandLine)
    {
        if (commandLine.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("the kernel command line must not contain a NUL character", nameof(commandLine));
        }
        byte[] bytes = Encoding.UTF8.GetBytes(commandLine);
        if (bytes.Length > MaxCommandLineBytes)
        {
            throw new ArgumentException(
                $"the kernel command line is {bytes.Length} bytes; Linux's i386 limit is {MaxCommandLineBytes} (COMMAND_LINE_SIZE {CommandLineSize} with its NUL)",
                nameof(commandLine));
        }
        return bytes;
    }
}
