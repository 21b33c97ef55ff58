using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

// Jcc reads its condition straight from the lazily recorded operands; SETcc, PUSHFD and the
// oracle vectors go through materialised EFLAGS. Both must agree for every condition, after
// every kind of flag-setting op, at every operand size.
public sealed class ConditionTests
{
    private static readonly uint[] Values = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678, 0xFFFFFF80];

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string op in new[] { "cmp", "sub", "test", "and", "add", "inc", "dec", "neg" })
        {
            foreach (int size in new[] { 1, 2, 4 })
            {
                data.Add(op, size, false);
                data.Add(op, size, true);
            }
        }
        foreach (string op in new[] { "cmp-imm", "cmp-mem", "test-imm", "sub-mem", "add-imm" })
        {
            data.Add(op, 4, true);
        }
        return data;
    }

    // adjacent: the op is right before the Jcc (the pair the decoder fuses) and the flags are
    // read after the branch, on both paths; otherwise PUSHFD sits between them.
    [Theory]
    [MemberData(nameof(Cases))]
    public void Jcc_after_a_flag_setting_op_agrees_with_the_materialised_eflags(string op, int size, bool adjacent)
    {
        var g = new TestGuest();
        for (int cc = 0; cc < 16; cc++)
        {
            g.Load(TestGuest.CodeBase + (uint)(cc * 0x100), a =>
            {
                Label taken = a.CreateLabel();
                a.mov(__dword_ptr[TestGuest.DataBase], ebx);
                Emit(a, op, size);
                if (!adjacent)
                {
                    a.pushfd();
                    a.pop(edx);
                }
                EmitJcc(a, cc, taken);
                if (adjacent)
                {
                    a.pushfd();
                    a.pop(edx);
                }
                a.mov(ecx, 0);
                a.hlt();
                a.Label(ref taken);
                if (adjacent)
                {
                    a.pushfd();
                    a.pop(edx);
                }
                a.mov(ecx, 1);
                a.hlt();
            });
        }
        foreach (uint x in Values)
        {
            foreach (uint y in Values)
            {
                for (int cc = 0; cc < 16; cc++)
                {
                    g.Cpu.Eax = x;
                    g.Cpu.Ebx = y;
                    g.Cpu.Eip = TestGuest.CodeBase + (uint)(cc * 0x100);
                    g.Cpu.WakeFromHalt();
                    g.RunToHalt();
                    bool expected = Holds(cc, g.Cpu.Edx);
                    Assert.True(expected == (g.Cpu.Ecx == 1), $"{op}/{size * 8} 0x{x:x} 0x{y:x} cc {cc}: flags 0x{g.Cpu.Edx:x}, jcc {(g.Cpu.Ecx == 1 ? "taken" : "not taken")}");
                }
            }
        }
    }

    private static void Emit(Assembler a, string op, int size)
    {
        switch (size, op)
        {
            case (4, "cmp"): a.cmp(eax, ebx); break;
            case (4, "cmp-imm"): a.cmp(eax, 0x80); break;
            case (4, "cmp-mem"): a.cmp(eax, __dword_ptr[TestGuest.DataBase]); break;
            case (4, "test-imm"): a.test(eax, 0x80000001); break;
            case (4, "sub-mem"): a.sub(eax, __dword_ptr[TestGuest.DataBase]); break;
            case (4, "add-imm"): a.add(eax, 0x7FFFFFFF); break;
            case (4, "sub"): a.sub(eax, ebx); break;
            case (4, "test"): a.test(eax, ebx); break;
            case (4, "and"): a.and(eax, ebx); break;
            case (4, "add"): a.add(eax, ebx); break;
            case (4, "inc"): a.inc(eax); break;
            case (4, "dec"): a.dec(eax); break;
            case (4, "neg"): a.neg(eax); break;
            case (2, "cmp"): a.cmp(ax, bx); break;
            case (2, "sub"): a.sub(ax, bx); break;
            case (2, "test"): a.test(ax, bx); break;
            case (2, "and"): a.and(ax, bx); break;
            case (2, "add"): a.add(ax, bx); break;
            case (2, "inc"): a.inc(ax); break;
            case (2, "dec"): a.dec(ax); break;
            case (2, "neg"): a.neg(ax); break;
            case (1, "cmp"): a.cmp(al, bl); break;
            case (1, "sub"): a.sub(al, bl); break;
            case (1, "test"): a.test(al, bl); break;
            case (1, "and"): a.and(al, bl); break;
            case (1, "add"): a.add(al, bl); break;
            case (1, "inc"): a.inc(al); break;
            case (1, "dec"): a.dec(al); break;
            default: a.neg(al); break;
        }
    }

    private static void EmitJcc(Assembler a, int cc, Label l)
    {
        switch (cc)
        {
            case 0: a.jo(l); break;
            case 1: a.jno(l); break;
            case 2: a.jb(l); break;
            case 3: a.jae(l); break;
            case 4: a.je(l); break;
            case 5: a.jne(l); break;
            case 6: a.jbe(l); break;
            case 7: a.ja(l); break;
            case 8: a.js(l); break;
            case 9: a.jns(l); break;
            case 10: a.jp(l); break;
            case 11: a.jnp(l); break;
            case 12: a.jl(l); break;
            case 13: a.jge(l); break;
            case 14: a.jle(l); break;
            default: a.jg(l); break;
        }
    }

    private static bool Holds(int cc, uint f)
    {
        bool cf = (f & 1) != 0, pf = (f & 4) != 0, zf = (f & 0x40) != 0, sf = (f & 0x80) != 0, of = (f & 0x800) != 0;
        bool r = (cc >> 1) switch
        {
            0 => of,
            1 => cf,
            2 => zf,
            3 => cf || zf,
            4 => sf,
            5 => pf,
            6 => sf != of,
            _ => zf || sf != of,
        };
        return r ^ ((cc & 1) != 0);
    }

    [Fact]
    public void Rdtsc_in_the_middle_of_a_block_counts_the_instructions_retired_before_it()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.nop();
            a.mov(ebx, 5);
            a.nop();
            a.rdtsc();
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(3u, g.Cpu.Eax);
        Assert.Equal(0u, g.Cpu.Edx);
        Assert.Equal(5ul, g.Cpu.Retired);
    }

    [Fact]
    public void A_budget_that_ends_inside_a_block_stops_exactly_there()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(eax, 1);
            a.mov(eax, 2);
            a.mov(eax, 3);
            a.mov(eax, 4);
            a.hlt();
        });
        RunExit exit = g.Cpu.Run(2);
        Assert.Equal(ExitReason.BudgetSpent, exit.Reason);
        Assert.Equal(2, exit.Executed);
        Assert.Equal(2u, g.Cpu.Eax);
        Assert.Equal(TestGuest.CodeBase + 10, g.Cpu.Eip);
        g.RunToHalt();
        Assert.Equal(4u, g.Cpu.Eax);
        Assert.Equal(5ul, g.Cpu.Retired);
    }

    [Fact]
    public void A_budget_that_ends_between_a_compare_and_its_branch_stops_between_them()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            Label taken = a.CreateLabel();
            a.mov(eax, 7);       // 5 bytes
            a.cmp(eax, 7);       // 5 bytes (Iced picks 3D id)
            a.je(taken);
            a.mov(ebx, 1);
            a.hlt();
            a.Label(ref taken);
            a.mov(ebx, 2);
            a.hlt();
        });
        RunExit exit = g.Cpu.Run(2);
        Assert.Equal(2, exit.Executed);
        Assert.Equal(TestGuest.CodeBase + 10, g.Cpu.Eip);
        g.RunToHalt();
        Assert.Equal(2u, g.Cpu.Ebx);
        Assert.Equal(5ul, g.Cpu.Retired);

        // and the whole block at once retires the fused pair as two instructions
        g.Cpu.WakeFromHalt();
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(10ul, g.Cpu.Retired);
    }
}
