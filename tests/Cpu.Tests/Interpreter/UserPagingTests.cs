using LguestActors.Cpu.Lguest;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

/// <summary>
/// The U/S bit in the page walk, the page-fault error code a process's faults carry, and the
/// software TLB and block cache, which must never let ring 3 use what only ring 1 may.
/// </summary>
public sealed class UserPagingTests
{
    private const uint Probe = 0x9000;          // the page a test protects
    private const uint Other = 0xA000;
    private const uint PfHandler = TestGuest.HandlerBase + 0x400;

    /// <summary>A paged guest with lguest_data and a #PF handler that records the error code (ESI) and CR2 (EDI).</summary>
    private static TestGuest PagedGuest(Func<uint, uint> flags)
    {
        var g = new TestGuest();
        g.MapFirstMegabyte(flags);
        g.InitLguestData();
        g.SetGate(14, PfHandler);
        g.Load(PfHandler, a =>
        {
            a.pop(esi);
            a.mov(edi, cr2);
            a.hlt();
        });
        return g;
    }

    public static TheoryData<string, uint, bool, uint> Walks => new()
    {
        // page, PTE flags, the user access is a write, expected error code (P, W/R, U/S); 0xFF: no fault
        { "supervisor page, user read", 0x3, false, 0x5 },
        { "supervisor page, user write", 0x3, true, 0x7 },
        { "read-only user page, user write", 0x5, true, 0x7 },
        { "not present, user read", 0x0, false, 0x4 },
        { "not present, user write", 0x6, true, 0x6 },
        { "user page, user read", 0x7, false, 0xFF },
        { "user page, user write", 0x7, true, 0xFF },
        { "read-only user page, user read", 0x5, false, 0xFF },
    };

    [Theory]
    [MemberData(nameof(Walks))]
    public void A_process_access_faults_with_the_error_code_the_hardware_gives(string what, uint pteFlags, bool write, uint error)
    {
        var g = PagedGuest(page => page == Probe ? pteFlags : 7);
        g.Memory.WriteU32(Probe, 0x600DF00D);
        g.StartInUserMode(a =>
        {
            if (write)
            {
                a.mov(__dword_ptr[Probe], 0x12345678);
            }
            else
            {
                a.mov(ebx, __dword_ptr[Probe]);
            }
            a.mov(ebp, 0xD0E);
            var self = a.CreateLabel();
            a.Label(ref self);
            a.jmp(self);
        });
        g.Cpu.Run(200);
        Assert.Null(g.Cpu.Fault);
        if (error == 0xFF)
        {
            Assert.True(g.Cpu.Ebp == 0xD0E, what);
            Assert.Equal(write ? 0x12345678u : 0x600DF00Du, write ? g.Memory.ReadU32(Probe) : g.Cpu.Ebx);
            return;
        }
        Assert.True(g.Cpu.Halted, what);
        Assert.Equal(error, g.Cpu.Esi);
        Assert.Equal(Probe, g.Cpu.Edi);
        Assert.Equal(Probe, g.Memory.ReadU32(TestGuest.LguestData + LguestDataLayout.Cr2));
        Assert.Equal(0x600DF00Du, g.Memory.ReadU32(Probe));
        Assert.NotEqual(0xD0Eu, g.Cpu.Ebp);
    }

    [Fact]
    public void A_page_directory_entry_without_u_s_makes_its_whole_range_the_kernels()
    {
        var g = PagedGuest(_ => 7);
        g.Memory.WriteU32(0x40000, 0x41000 | 3);   // PDE: present, writable, supervisor
        g.StartInUserMode(a => a.nop());
        g.RunToHalt();
        Assert.Equal(0x5u, g.Cpu.Esi);              // the instruction fetch of the process
        Assert.Equal(TestGuest.UserCode, g.Cpu.Edi);
    }

    [Fact]
    public void The_kernel_reads_and_writes_user_pages_and_its_own()
    {
        var g = PagedGuest(page => page == Probe ? 0x3u : 0x7u);
        g.LoadCode(a =>
        {
            a.mov(__dword_ptr[Probe], 0x11);
            a.mov(__dword_ptr[TestGuest.UserCode + 0x800], 0x22);
            a.mov(ebx, __dword_ptr[Probe]);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0x11u, g.Cpu.Ebx);
        Assert.Equal(0x22u, g.Memory.ReadU32(TestGuest.UserCode + 0x800));
    }

    [Fact]
    public void A_translation_the_kernel_cached_for_a_supervisor_page_is_not_used_by_a_process()
    {
        var g = PagedGuest(page => page is Probe or Other ? 0x3u : 0x7u);
        g.StartInUserMode(a =>
        {
            a.mov(ebx, __dword_ptr[Probe]);
            a.hlt();
        });
        g.LoadCode(a =>
        {
            a.mov(eax, __dword_ptr[Probe]);        // fills the kernel's read TLB
            a.mov(__dword_ptr[Other], eax);
            a.mov(__dword_ptr[Other], eax);        // and its write TLB
            a.jmp(TestGuest.Trampoline);
        });
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(0x5u, g.Cpu.Esi);
        Assert.Equal(Probe, g.Cpu.Edi);
    }

    [Fact]
    public void A_write_translation_the_kernel_cached_is_not_used_by_a_process()
    {
        var g = PagedGuest(page => page == Other ? 0x3u : 0x7u);
        g.StartInUserMode(a =>
        {
            a.mov(__dword_ptr[Other], 0xBAD);
            a.hlt();
        });
        // A page's first decode drops every write translation (it may now hold code): decode
        // the trampoline's and the process's pages first, so the kernel's entry survives.
        g.Load(TestGuest.Trampoline + 0x100, a => a.ret());
        g.Load(TestGuest.UserCode + 0x100, a => a.ret());
        g.LoadCode(a =>
        {
            a.call(TestGuest.Trampoline + 0x100);
            a.call(TestGuest.UserCode + 0x100);
            a.mov(__dword_ptr[Other], 1);
            a.mov(__dword_ptr[Other], 2);          // dirty now: in the kernel's write TLB
            a.jmp(TestGuest.Trampoline);
        });
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(0x7u, g.Cpu.Esi);
        Assert.Equal(2u, g.Memory.ReadU32(Other));
    }

    [Fact]
    public void Code_the_kernel_ran_from_a_supervisor_page_is_not_run_by_a_process_from_the_block_cache()
    {
        var g = PagedGuest(page => page == Probe ? 0x3u : 0x7u);
        g.Load(Probe, a =>
        {
            a.mov(ebp, 1);
            a.ret();
        });
        g.StartInUserMode(a =>
        {
            a.mov(ebp, 0);
            a.jmp(Probe);
        });
        g.LoadCode(a =>
        {
            a.call(Probe);
            a.call(Probe);                         // decoded, cached and in the kernel's fast table
            a.jmp(TestGuest.Trampoline);
        });
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(0x5u, g.Cpu.Esi);             // a protection fault of a user fetch
        Assert.Equal(Probe, g.Cpu.Edi);
        Assert.Equal(0u, g.Cpu.Ebp);
    }

    [Fact]
    public void Code_a_process_may_run_is_found_again_after_the_kernel_ran_it()
    {
        var g = PagedGuest(_ => 7);
        g.Load(Probe, a =>
        {
            a.add(ebp, 1);
            a.ret();
        });
        g.StartInUserMode(a =>
        {
            a.mov(esp, TestGuest.UserStackTop);
            a.call(Probe);
            a.call(Probe);
            a.mov(ebx, 0xD0E);
            var self = a.CreateLabel();
            a.Label(ref self);
            a.jmp(self);
        });
        g.LoadCode(a =>
        {
            a.xor(ebp, ebp);
            a.call(Probe);
            a.jmp(TestGuest.Trampoline);
        });
        g.Cpu.Eip = TestGuest.CodeBase;
        g.Cpu.Run(200);
        Assert.Null(g.Cpu.Fault);
        Assert.Equal(0xD0Eu, g.Cpu.Ebx);
        Assert.Equal(3u, g.Cpu.Ebp);
    }

    [Fact]
    public void A_block_the_kernel_revalidated_after_taking_a_page_from_a_process_is_not_run_by_the_process()
    {
        const uint syscall = TestGuest.HandlerBase + 0x600;
        uint pte = 0x41000 + 4 * (Probe >> 12);
        var g = PagedGuest(_ => 7);
        g.Cpu.SetIdtEntry(0x80, (0x60u << 16) | (syscall & 0xFFFF), (syscall & 0xFFFF0000) | 0xEF00);
        g.Load(Probe, a =>
        {
            a.add(ebp, 1);
            a.ret();
        });
        g.Load(syscall, a =>
        {
            a.mov(__dword_ptr[pte], Probe | 3);   // the page becomes the kernel's
            a.mov(eax, cr3);
            a.mov(cr3, eax);                      // and every translation is dropped
            a.call(Probe);                        // the kernel runs it, checked anew with its rights
            a.iretd();
        });
        g.StartInUserMode(a =>
        {
            a.xor(ebp, ebp);
            a.call(Probe);                        // in the process's block table
            a.@int(0x80);
            a.call(Probe);                        // its entry there predates the flush
            a.mov(ebx, 0xBAD);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0x5u, g.Cpu.Esi);
        Assert.Equal(Probe, g.Cpu.Edi);
        Assert.Equal(2u, g.Cpu.Ebp);
        Assert.NotEqual(0xBADu, g.Cpu.Ebx);
    }
}
