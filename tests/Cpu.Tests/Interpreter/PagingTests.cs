using LguestActors.Cpu.Lguest;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

public sealed class PagingTests
{
    private const uint PageDir = 0x40000;
    private const uint PageTable = 0x41000;
    private const uint Mapped = 0x200000;       // a 4 KiB page mapped by a test
    private const uint BigPage = 0x800000;      // PDE 2: a 4 MiB page onto physical 0

    /// <summary>Identity-maps the first 1 MiB with 4 KiB pages, plus a 4 MiB PSE page at 8 MiB, and turns paging on.</summary>
    private static TestGuest PagedGuest()
    {
        var g = new TestGuest();
        g.Memory.WriteU32(PageDir, PageTable | 3);
        for (uint i = 0; i < 256; i++)
        {
            g.Memory.WriteU32(PageTable + 4 * i, (i << 12) | 3);
        }
        g.Memory.WriteU32(PageDir + 4 * (BigPage >> 22), 0x83);
        g.Cpu.LoadCr3(PageDir);
        return g;
    }

    private static uint PteOf(uint linear) => PageTable + 4 * ((linear >> 12) & 0x3FF);

    [Fact]
    public void Four_kilobyte_and_four_megabyte_pages_translate_linear_addresses()
    {
        var g = PagedGuest();
        g.Memory.WriteU32(PteOf(Mapped), TestGuest.DataBase | 3);
        g.Memory.WriteU32(TestGuest.DataBase + 0x10, 0xCAFEBABE);
        g.Memory.WriteU32(0x30000, 0x600DF00D);
        g.LoadCode(a =>
        {
            a.mov(eax, __dword_ptr[Mapped + 0x10]);
            a.mov(ebx, __dword_ptr[BigPage + 0x30000]);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0xCAFEBABEu, g.Cpu.Eax);
        Assert.Equal(0x600DF00Du, g.Cpu.Ebx);
    }

    [Fact]
    public void Accessed_and_dirty_bits_are_set_as_hardware_sets_them()
    {
        var g = PagedGuest();
        g.Memory.WriteU32(PteOf(Mapped), TestGuest.DataBase | 3);
        g.Memory.WriteU32(PteOf(Mapped + 0x1000), (TestGuest.DataBase + 0x1000) | 3);
        g.LoadCode(a =>
        {
            a.mov(eax, __dword_ptr[Mapped]);
            a.mov(__dword_ptr[Mapped + 0x1000], eax);
            a.mov(__dword_ptr[BigPage + 0x30000], eax);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0x20u, g.Memory.ReadU32(PteOf(Mapped)) & 0x60);          // read: A only
        Assert.Equal(0x60u, g.Memory.ReadU32(PteOf(Mapped + 0x1000)) & 0x60); // write: A and D
        Assert.Equal(0x20u, g.Memory.ReadU32(PageDir) & 0x20);
        Assert.Equal(0x60u, g.Memory.ReadU32(PageDir + 8) & 0x60);            // 4 MiB page written
    }

    [Fact]
    public void A_changed_pte_is_seen_only_after_cr3_is_reloaded()
    {
        var g = PagedGuest();
        g.Memory.WriteU32(PteOf(Mapped), TestGuest.DataBase | 3);
        g.Memory.WriteU32(TestGuest.DataBase, 111);
        g.Memory.WriteU32(TestGuest.DataBase + 0x1000, 222);
        g.LoadCode(a =>
        {
            a.mov(eax, __dword_ptr[Mapped]);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(111u, g.Cpu.Eax);

        g.Memory.WriteU32(PteOf(Mapped), (TestGuest.DataBase + 0x1000) | 3);
        g.Cpu.WakeFromHalt();
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(111u, g.Cpu.Eax); // the software TLB still holds the old translation

        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.NewPgtable, PageDir, 0, 0, 0), out _));
        g.Cpu.WakeFromHalt();
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(222u, g.Cpu.Eax);
    }

    [Fact]
    public void Set_pte_hypercall_flushes_the_tlb_after_a_pte_change()
    {
        var g = PagedGuest();
        g.Memory.WriteU32(PteOf(Mapped), TestGuest.DataBase | 3);
        g.Memory.WriteU32(TestGuest.DataBase, 111);
        g.Memory.WriteU32(TestGuest.DataBase + 0x1000, 222);
        g.LoadCode(a =>
        {
            a.mov(eax, __dword_ptr[Mapped]);
            a.hlt();
        });
        g.RunToHalt();
        g.Memory.WriteU32(PteOf(Mapped), (TestGuest.DataBase + 0x1000) | 3);
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.SetPte, PageDir, Mapped, (TestGuest.DataBase + 0x1000) | 3, 0), out _));
        g.Cpu.WakeFromHalt();
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(222u, g.Cpu.Eax);
    }

    [Fact]
    public void An_access_crossing_a_page_boundary_is_split_across_both_physical_pages()
    {
        var g = PagedGuest();
        g.Memory.WriteU32(PteOf(Mapped), 0x30000 | 3);
        g.Memory.WriteU32(PteOf(Mapped + 0x1000), 0x50000 | 3); // not physically contiguous
        g.LoadCode(a =>
        {
            a.mov(__dword_ptr[Mapped + 0xFFE], 0x44332211);
            a.mov(ebx, __dword_ptr[Mapped + 0xFFE]);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0x2211u, g.Memory.ReadU16(0x30FFE));
        Assert.Equal(0x4433u, g.Memory.ReadU16(0x50000));
        Assert.Equal(0x44332211u, g.Cpu.Ebx);
    }

    [Fact]
    public void Page_fault_reports_cr2_and_error_code_and_iret_retries_the_instruction()
    {
        var g = PagedGuest();
        g.Memory.WriteU32(PteOf(Mapped), TestGuest.DataBase | 1); // present, read-only
        g.SetGate(14, TestGuest.HandlerBase);
        g.Load(TestGuest.HandlerBase, a =>
        {
            a.pop(esi);                        // error code
            a.mov(edi, cr2);
            a.mov(ebp, __dword_ptr[esp]);      // faulting EIP
            a.mov(__dword_ptr[PteOf(Mapped)], TestGuest.DataBase | 3); // make it writable
            a.invlpg(__byte_ptr[edi]);
            a.iretd();
        });
        int len = g.Load(TestGuest.CodeBase, a =>
        {
            a.mov(eax, __dword_ptr[Mapped]);
            a.mov(__dword_ptr[Mapped + 8], 0x77);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(3u, g.Cpu.Esi);                 // P | W
        Assert.Equal(Mapped + 8, g.Cpu.Edi);
        Assert.Equal(Mapped + 8, g.Cpu.Cr2);
        Assert.Equal(TestGuest.CodeBase + 5u, g.Cpu.Ebp); // after the 5-byte load: the store, not the next instruction
        Assert.Equal(0x77u, g.Memory.ReadU32(TestGuest.DataBase + 8));
        Assert.Equal(TestGuest.StackTop, g.Cpu.Esp);
        Assert.True(len > 5);
    }

    [Fact]
    public void A_not_present_page_faults_with_a_clear_present_bit_in_the_error_code()
    {
        var g = PagedGuest();
        g.SetGate(14, TestGuest.HandlerBase);
        g.Load(TestGuest.HandlerBase, a =>
        {
            a.pop(esi);
            a.hlt();
        });
        g.LoadCode(a =>
        {
            a.mov(eax, __dword_ptr[Mapped + 0x123]);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0u, g.Cpu.Esi);
        Assert.Equal(Mapped + 0x123, g.Cpu.Cr2);
    }

    [Fact]
    public void A_mapping_beyond_guest_memory_stops_the_guest_with_a_fault_not_a_host_exception()
    {
        var g = PagedGuest();
        g.Memory.WriteU32(PteOf(Mapped), 0x10000000 | 3);
        g.LoadCode(a =>
        {
            a.mov(eax, __dword_ptr[Mapped]);
            a.hlt();
        });
        RunExit exit = g.Cpu.Run(1000);
        Assert.Equal(ExitReason.Fault, exit.Reason);
        Assert.Contains("outside guest memory", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
        Assert.Equal(TestGuest.CodeBase, g.Cpu.Fault.Eip);
    }

    [Fact]
    public void Without_paging_an_address_beyond_memory_is_a_fatal_fault()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(__dword_ptr[0x00F00000], eax);
            a.hlt();
        });
        RunExit exit = g.Cpu.Run(1000);
        Assert.Equal(ExitReason.Fault, exit.Reason);
        Assert.Contains("0x00f00000", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
        Assert.Equal(ExitReason.Fault, g.Cpu.Run(1000).Reason);
    }
}
