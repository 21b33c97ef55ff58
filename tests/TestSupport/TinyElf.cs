using System.Buffers.Binary;

namespace LguestActors.Testing;

/// <summary>The smallest valid i386 ELF executable: one PT_LOAD segment of <c>code</c> at 1 MiB, entry at its start.</summary>
public static class TinyElf
{
    public const uint Entry = 0x100000;

    public static byte[] Build(params byte[] code)
    {
        if (code.Length == 0)
        {
            code = [0xF4]; // hlt
        }
        const int ehdr = 52, phdr = 32;
        var image = new byte[ehdr + phdr + code.Length];
        var span = image.AsSpan();
        "\u007FELF"u8.CopyTo(span);
        span[4] = 1; // ELFCLASS32
        span[5] = 1; // ELFDATA2LSB
        span[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2);      // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 3);      // EM_386
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);      // e_version
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], Entry);  // e_entry
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], ehdr);   // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(span[40..], ehdr);   // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(span[42..], phdr);   // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(span[44..], 1);      // e_phnum
        var ph = span[ehdr..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);              // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], ehdr + phdr); // p_offset
        BinaryPrimitives.WriteUInt32LittleEndian(ph[8..], Entry);     // p_vaddr
        BinaryPrimitives.WriteUInt32LittleEndian(ph[12..], Entry);    // p_paddr
        BinaryPrimitives.WriteUInt32LittleEndian(ph[16..], (uint)code.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[20..], (uint)code.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[24..], 5);        // R+X
        BinaryPrimitives.WriteUInt32LittleEndian(ph[28..], 4096);
        code.CopyTo(span[(ehdr + phdr)..]);
        return image;
    }
}
