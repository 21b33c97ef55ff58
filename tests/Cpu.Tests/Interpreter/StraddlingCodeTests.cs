using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

// An instruction that straddles a page boundary is cached with the block before it; its cached
// copy must die when either page is written or when the second linear page is remapped.
public sealed class StraddlingCodeTests
{
    private const uint At = 0x1FFE; // mov eax, imm32 is 5 bytes: 0x1FFE..0x2002

    private static TestGuest Loaded()
    {
        var g = new TestGuest();
        g.Load(At, a =>
        {
            a.mov(eax, 0x12345678);
            a.hlt();
        });
        return g;
    }

    private static void RunFrom(TestGuest g, uint eip)
    {
        g.Cpu.WakeFromHalt();
        g.Cpu.Eip = eip;
        g.RunToHalt();
    }

    [Fact]
    public void A_device_write_into_the_second_page_of_a_cached_straddling_instruction_is_seen()
    {
        var g = Loaded();
        RunFrom(g, At);
        Assert.Equal(0x12345678u, g.Cpu.Eax);
        g.Memory.WriteU8(0x2002, 0xAB); // the immediate's top byte, on the second page
        RunFrom(g, At);
        Assert.Equal(0xAB345678u, g.Cpu.Eax);
    }

    [Fact]
    public void A_guest_store_into_the_second_page_of_a_straddling_instruction_in_a_loop_is_seen()
    {
        var g = new TestGuest();
        const uint loop = 0x1FF0;
        g.Load(loop, a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 3);                     // 0x1FF0, 5 bytes
            a.xor(ebx, ebx);                   // 0x1FF5, 2 bytes
            a.nop();                           // 0x1FF7..0x1FFD: pad to put the mov at 0x1FFE
            a.nop();
            a.nop();
            a.nop();
            a.nop();
            a.nop();
            a.nop();
            a.Label(ref top);
            a.mov(eax, 1);                     // 0x1FFE..0x2002
            a.add(ebx, eax);
            a.mov(__byte_ptr[0x2002 - 3], 5);  // low byte of the immediate... at 0x1FFF (first page)
            a.mov(__byte_ptr[0x2001], 1);      // and a byte on the second page: imm = 0x00010005
            a.loop(top);
            a.hlt();
        });
        Assert.Equal(0xB8, g.Memory.ReadU8(At));
        RunFrom(g, loop);
        Assert.Equal(1u + 0x00010005u + 0x00010005u, g.Cpu.Ebx);
    }

    [Fact]
    public void Remapping_the_second_linear_page_changes_the_straddling_instruction()
    {
        const uint pageDir = 0x40000, pageTable = 0x41000, other = 0x30000;
        var g = Loaded();
        g.Memory.WriteU32(pageDir, pageTable | 3);
        for (uint i = 0; i < 256; i++)
        {
            g.Memory.WriteU32(pageTable + 4 * i, (i << 12) | 3);
        }
        g.Cpu.LoadCr3(pageDir);
        RunFrom(g, At);
        Assert.Equal(0x12345678u, g.Cpu.Eax);

        // A copy of page 0x2000 whose first bytes (the immediate's top three and the hlt) differ.
        g.Memory.Write(other, g.Memory.ReadOnlySpan(0x2000, 4096));
        g.Memory.Write(other, new byte[] { 0x11, 0x22, 0x33, 0xF4 });
        g.Memory.WriteU32(pageTable + 4 * 2, other | 3);
        g.Cpu.LoadCr3(pageDir);
        RunFrom(g, At);
        Assert.Equal(0x33221178u, g.Cpu.Eax);
    }
}
