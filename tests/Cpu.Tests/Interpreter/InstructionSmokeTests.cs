using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

// A few instructions per class, end to end through decode, cache and execute. The exhaustive
// flag vectors live in Semantics/ (from a native oracle); these check the plumbing.
public sealed class InstructionSmokeTests
{
    private static TestGuest RunCode(Action<Assembler> build)
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            build(a);
            a.hlt();
        });
        g.RunToHalt();
        return g;
    }

    [Fact]
    public void Add_with_carry_chains_a_64_bit_sum()
    {
        var g = RunCode(a =>
        {
            a.mov(eax, 0xFFFFFFFF);
            a.mov(edx, 1);
            a.add(eax, 1);
            a.adc(edx, 0);
        });
        Assert.Equal(0u, g.Cpu.Eax);
        Assert.Equal(2u, g.Cpu.Edx);
    }

    [Fact]
    public void Sub_and_cmp_set_the_flags_the_hardware_sets()
    {
        var g = RunCode(a =>
        {
            a.mov(eax, 0x80000000);
            a.sub(eax, 1);
        });
        // 0x80000000 - 1: no borrow, signed overflow, positive, AF from bit 3
        Assert.Equal(0x7FFFFFFFu, g.Cpu.Eax);
        uint f = g.Cpu.Eflags;
        Assert.Equal(0u, f & 0x1);
        Assert.Equal(0x800u, f & 0x800);
        Assert.Equal(0u, f & 0x80);
        Assert.Equal(0x10u, f & 0x10);
        Assert.Equal(0x4u, f & 0x4); // 0xFF has even parity
    }

    [Fact]
    public void Eight_and_sixteen_bit_forms_touch_only_their_part_of_the_register()
    {
        var g = RunCode(a =>
        {
            a.mov(eax, 0x11223344);
            a.mov(ah, 0xAA);
            a.add(al, 0x10);
            a.mov(ebx, 0x55667788);
            a.add(bx, 0x1000);
            a.movzx(ecx, ah);
            a.movsx(edx, ah);
        });
        Assert.Equal(0x1122AA54u, g.Cpu.Eax);
        Assert.Equal(0x55668788u, g.Cpu.Ebx);
        Assert.Equal(0xAAu, g.Cpu.Ecx);
        Assert.Equal(0xFFFFFFAAu, g.Cpu.Edx);
    }

    [Fact]
    public void Shifts_and_rotates_compute_results_and_carry()
    {
        var g = RunCode(a =>
        {
            a.mov(eax, 0x80000001);
            a.shl(eax, 1);          // CF=1
            a.setc(bl);
            a.mov(ecx, 4);
            a.mov(edx, 0xF0000000);
            a.sar(edx, cl);
            a.mov(esi, 0x12345678);
            a.rol(esi, 8);
            a.mov(edi, 0x0000FFFF);
            a.mov(ebp, 0xABCD0000);
            a.shld(edi, ebp, 16);
        });
        Assert.Equal(2u, g.Cpu.Eax);
        Assert.Equal(1u, g.Cpu.Ebx & 0xFF);
        Assert.Equal(0xFF000000u, g.Cpu.Edx);
        Assert.Equal(0x34567812u, g.Cpu.Esi);
        Assert.Equal(0xFFFFABCDu, g.Cpu.Edi);
    }

    [Fact]
    public void Multiply_and_divide_use_edx_eax()
    {
        var g = RunCode(a =>
        {
            a.mov(eax, 0x10000);
            a.mov(ecx, 0x10001);
            a.mul(ecx);              // EDX:EAX = 0x1_0001_0000
            a.mov(ebx, 7);
            a.div(ebx);              // 0x100010000 / 7
            a.mov(esi, eax);
            a.mov(edi, edx);
            a.mov(eax, unchecked((uint)-7));
            a.cdq();
            a.mov(ecx, 2);
            a.idiv(ecx);             // -3 rem -1
            a.imul(ebp, ecx, -5);    // ebp = -10
        });
        Assert.Equal((uint)(0x100010000UL / 7), g.Cpu.Esi);
        Assert.Equal((uint)(0x100010000UL % 7), g.Cpu.Edi);
        Assert.Equal(unchecked((uint)-3), g.Cpu.Eax);
        Assert.Equal(unchecked((uint)-1), g.Cpu.Edx);
        Assert.Equal(unchecked((uint)-10), g.Cpu.Ebp);
    }

    [Fact]
    public void Call_ret_push_pop_and_loop_work_together()
    {
        var g = RunCode(a =>
        {
            var fn = a.CreateLabel();
            var top = a.CreateLabel();
            var done = a.CreateLabel();
            a.mov(ecx, 5);
            a.xor(eax, eax);
            a.Label(ref top);
            a.push(ecx);
            a.call(fn);
            a.add(esp, 4);
            a.loop(top);
            a.jmp(done);
            a.Label(ref fn);
            a.push(ebp);
            a.mov(ebp, esp);
            a.add(eax, __dword_ptr[ebp + 8]);
            a.leave();
            a.ret();
            a.Label(ref done);
        });
        Assert.Equal(15u, g.Cpu.Eax);
        Assert.Equal(TestGuest.StackTop, g.Cpu.Esp);
    }

    [Fact]
    public void Pushad_and_popad_round_trip_every_register()
    {
        var g = RunCode(a =>
        {
            a.mov(eax, 1);
            a.mov(ecx, 2);
            a.mov(edi, 8);
            a.pushad();
            a.mov(ebx, __dword_ptr[esp + 12]); // the ESP slot holds ESP before the push
            a.xor(eax, eax);
            a.xor(ecx, ecx);
            a.xor(edi, edi);
            a.popad();
        });
        Assert.Equal(1u, g.Cpu.Eax);
        Assert.Equal(2u, g.Cpu.Ecx);
        Assert.Equal(8u, g.Cpu.Edi);
        Assert.Equal(TestGuest.StackTop, g.Cpu.Esp);
    }

    [Fact]
    public void Setcc_cmov_and_jcc_follow_signed_and_unsigned_compares()
    {
        var g = RunCode(a =>
        {
            var skip = a.CreateLabel();
            a.mov(eax, unchecked((uint)-1));
            a.cmp(eax, 1);
            a.setl(bl);               // -1 < 1 signed
            a.seta(bh);               // 0xFFFFFFFF > 1 unsigned
            a.mov(ecx, 42);
            a.mov(edx, 0);
            a.cmovg(edx, ecx);        // not taken
            a.cmovb(esi, ecx);        // not taken (0xFFFFFFFF !< 1)
            a.cmovae(edi, ecx);       // taken
            a.jle(skip);
            a.mov(ebp, 99);
            a.Label(ref skip);
        });
        Assert.Equal(0x0101u, g.Cpu.Ebx & 0xFFFF);
        Assert.Equal(0u, g.Cpu.Edx);
        Assert.Equal(0u, g.Cpu.Esi);
        Assert.Equal(42u, g.Cpu.Edi);
        Assert.Equal(0u, g.Cpu.Ebp);
    }

    [Fact]
    public void Exchange_instructions_swap_and_compare()
    {
        var g = RunCode(a =>
        {
            a.mov(__dword_ptr[TestGuest.DataBase], 5);
            a.mov(eax, 5);
            a.mov(ecx, 9);
            a.@lock.cmpxchg(__dword_ptr[TestGuest.DataBase], ecx);   // equal: store 9
            a.setz(bl);
            a.mov(edx, 3);
            a.@lock.xadd(__dword_ptr[TestGuest.DataBase], edx);      // mem 12, edx 9
            a.mov(esi, 0x11223344);
            a.bswap(esi);
            a.xchg(esi, edx);
        });
        Assert.Equal(12u, g.Memory.ReadU32(TestGuest.DataBase));
        Assert.Equal(1u, g.Cpu.Ebx & 0xFF);
        Assert.Equal(9u, g.Cpu.Esi);
        Assert.Equal(0x44332211u, g.Cpu.Edx);
    }

    [Fact]
    public void Cmpxchg8b_swaps_a_64_bit_value_when_it_matches()
    {
        var g = new TestGuest();
        g.Memory.WriteU64(TestGuest.DataBase, 0x0000000200000001);
        g.LoadCode(a =>
        {
            a.mov(eax, 1);
            a.mov(edx, 2);
            a.mov(ebx, 0xAAAA);
            a.mov(ecx, 0xBBBB);
            a.@lock.cmpxchg8b(__qword_ptr[TestGuest.DataBase]);
            a.setz(__byte_ptr[TestGuest.DataBase + 0x10]);
            a.cmpxchg8b(__qword_ptr[TestGuest.DataBase]);      // no longer matches: loads it
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0x0000BBBB0000AAAAul, g.Memory.ReadU64(TestGuest.DataBase));
        Assert.Equal(1, g.Memory.ReadU8(TestGuest.DataBase + 0x10));
        Assert.Equal(0xAAAAu, g.Cpu.Eax);
        Assert.Equal(0xBBBBu, g.Cpu.Edx);
        Assert.Equal(0u, g.Cpu.Eflags & 0x40);
    }

    [Fact]
    public void Bit_instructions_test_set_and_scan()
    {
        var g = RunCode(a =>
        {
            a.mov(__dword_ptr[TestGuest.DataBase + 4], 0);
            a.mov(ecx, 35);
            a.bts(__dword_ptr[TestGuest.DataBase], ecx);   // bit 3 of the next dword
            a.mov(eax, 0x00F0);
            a.bsf(ebx, eax);
            a.bsr(edx, eax);
            a.bt(eax, 4);
            a.setc(cl);
        });
        Assert.Equal(8u, g.Memory.ReadU32(TestGuest.DataBase + 4));
        Assert.Equal(4u, g.Cpu.Ebx);
        Assert.Equal(7u, g.Cpu.Edx);
        Assert.Equal(1u, g.Cpu.Ecx & 0xFF);
    }

    [Fact]
    public void Rep_movs_copies_forward_and_rep_stos_fills_backward_with_df_set()
    {
        var g = new TestGuest();
        for (uint i = 0; i < 16; i++)
        {
            g.Memory.WriteU8(TestGuest.DataBase + i, (byte)(i + 1));
        }
        g.LoadCode(a =>
        {
            a.cld();
            a.mov(esi, TestGuest.DataBase);
            a.mov(edi, TestGuest.DataBase + 0x100);
            a.mov(ecx, 4);
            a.rep.movsd();
            a.std();
            a.mov(edi, TestGuest.DataBase + 0x20E);
            a.mov(ax, 0xBEEF);
            a.mov(ecx, 3);
            a.rep.stosw();
            a.cld();
            a.hlt();
        });
        g.RunToHalt();
        for (uint i = 0; i < 16; i++)
        {
            Assert.Equal((byte)(i + 1), g.Memory.ReadU8(TestGuest.DataBase + 0x100 + i));
        }
        Assert.Equal(0xBEEFu, g.Memory.ReadU16(TestGuest.DataBase + 0x20A));
        Assert.Equal(0xBEEFu, g.Memory.ReadU16(TestGuest.DataBase + 0x20E));
        Assert.Equal(0u, g.Memory.ReadU16(TestGuest.DataBase + 0x208));
        Assert.Equal(TestGuest.DataBase + 0x208, g.Cpu.Edi);
        Assert.Equal(0u, g.Cpu.Ecx);
    }

    [Fact]
    public void Repne_scasb_finds_a_terminator_and_repe_cmpsb_stops_at_a_difference()
    {
        var g = new TestGuest();
        g.Memory.Write(TestGuest.DataBase, "hello\0"u8);
        g.Memory.Write(TestGuest.DataBase + 0x40, "help!"u8);
        g.LoadCode(a =>
        {
            a.mov(edi, TestGuest.DataBase);
            a.xor(eax, eax);
            a.mov(ecx, 0xFFFFFFFF);
            a.repne.scasb();
            a.not(ecx);
            a.dec(ecx);             // strlen
            a.mov(ebx, ecx);
            a.mov(esi, TestGuest.DataBase);
            a.mov(edi, TestGuest.DataBase + 0x40);
            a.mov(ecx, 5);
            a.repe.cmpsb();
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(5u, g.Cpu.Ebx);
        Assert.Equal(1u, g.Cpu.Ecx);       // stopped after comparing 'l' with 'p'
        Assert.Equal(TestGuest.DataBase + 4, g.Cpu.Esi);
    }

    [Fact]
    public void Cpuid_reports_the_vendor_and_no_fpu()
    {
        var g = RunCode(a =>
        {
            a.xor(eax, eax);
            a.cpuid();
            a.mov(__dword_ptr[TestGuest.DataBase], ebx);
            a.mov(__dword_ptr[TestGuest.DataBase + 4], edx);
            a.mov(__dword_ptr[TestGuest.DataBase + 8], ecx);
            a.mov(eax, 1);
            a.cpuid();
        });
        Assert.Equal("LguestActors", System.Text.Encoding.ASCII.GetString(g.Memory.ReadOnlySpan(TestGuest.DataBase, 12)));
        Assert.Equal(0u, g.Cpu.Edx & 1);   // no FPU
        Assert.Equal(0u, g.Cpu.Edx & (1u << 25)); // no SSE
    }

    [Fact]
    public void In_reads_all_ones_and_out_is_ignored()
    {
        var g = RunCode(a =>
        {
            a.mov(dx, 0x3F8);
            a.@out(dx, al);
            a.@in(al, 0x60);
            a.mov(bl, al);
            a.@in(eax, dx);
        });
        Assert.Equal(0xFFFFFFFFu, g.Cpu.Eax);
        Assert.Equal(0xFFu, g.Cpu.Ebx & 0xFF);
    }

    [Fact]
    public void Enter_builds_a_frame_that_leave_removes()
    {
        var g = RunCode(a =>
        {
            a.mov(ebp, 0x1234);
            a.enter(16, 0);
            a.mov(eax, esp);
            a.mov(ebx, ebp);
            a.leave();
        });
        Assert.Equal(TestGuest.StackTop - 4, g.Cpu.Ebx);
        Assert.Equal(TestGuest.StackTop - 20, g.Cpu.Eax);
        Assert.Equal(0x1234u, g.Cpu.Ebp);
        Assert.Equal(TestGuest.StackTop, g.Cpu.Esp);
    }
}
