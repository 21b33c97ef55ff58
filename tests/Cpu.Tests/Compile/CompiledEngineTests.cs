using Iced.Intel;
using LguestActors.Cpu.Tests.Interpreter;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Compile;

/// <summary>
/// The compiled engine gives what the interpreter gives: the same retired counts under any
/// budget, precise faults, and code invalidated by stores, device writes and remapping.
/// </summary>
public sealed class CompiledEngineTests
{
    /// <summary>A loop with loads, stores, a call, flags read across blocks: it never halts.</summary>
    private static void Busy(Assembler a)
    {
        var top = a.CreateLabel();
        var f = a.CreateLabel();
        var skip = a.CreateLabel();
        a.mov(esi, TestGuest.DataBase);
        a.xor(ecx, ecx);
        a.Label(ref top);
        a.mov(eax, __dword_ptr[esi + ecx * 4]);
        a.add(eax, ecx);
        a.mov(__dword_ptr[esi + ecx * 4 + 0x1000], eax);
        a.call(f);
        a.test(al, 1);
        a.jz(skip);
        a.adc(edi, eax);
        a.Label(ref skip);
        a.inc(ecx);
        a.cmp(ecx, 100);
        a.jl(top);
        a.xor(ecx, ecx);
        a.jmp(top);
        a.Label(ref f);
        a.push(ebx);
        a.mov(ebx, eax);
        a.shl(ebx, 3);
        a.xor(edx, ebx);
        a.sar(edx, 1);
        a.pop(ebx);
        a.ret();
    }

    [Fact]
    public void Any_budget_stops_both_engines_at_the_same_instruction_in_the_same_state()
    {
        var interpreted = new TestGuest();
        var compiled = CompiledGuest.Create(threshold: 2);
        interpreted.LoadCode(Busy);
        compiled.LoadCode(Busy);
        var random = new Random(11);
        for (int i = 0; i < 600; i++)
        {
            long budget = i < 50 ? i : random.Next(1, 300);
            RunExit e = interpreted.Cpu.Run(budget);
            RunExit a = compiled.Cpu.Run(budget);
            Assert.Equal(e, a);
            CompiledGuest.AssertSameState(interpreted.Cpu, compiled.Cpu, $"after run {i} of {budget}");
        }
        Assert.True(compiled.Cpu.CompiledStats.Regions > 0, "the loop was never compiled");
        Assert.True(interpreted.Memory.ReadOnlySpan(TestGuest.DataBase, 0x2000).SequenceEqual(compiled.Memory.ReadOnlySpan(TestGuest.DataBase, 0x2000)));
    }

    [Fact]
    public void Rdtsc_in_compiled_code_counts_exactly_the_instructions_retired()
    {
        var g = CompiledGuest.Create();
        g.LoadCode(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 100);
            a.Label(ref top);
            a.add(ebx, ecx);
            a.loop(top);
            a.rdtsc();
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(201u, g.Cpu.Eax); // mov + 100 × (add, loop)
        Assert.Equal(203ul, g.Cpu.Retired);
        Assert.True(g.Cpu.CompiledStats.Regions > 0);
    }

    private const uint PageDir = 0x40000;
    private const uint PageTable = 0x41000;
    private const uint Mapped = 0x200000;

    private static uint PteOf(uint linear) => PageTable + 4 * ((linear >> 12) & 0x3FF);

    /// <summary>Identity-maps the first 1 MiB with 4 KiB pages and turns paging on; <see cref="Mapped"/> is not present.</summary>
    private static void Page(TestGuest g)
    {
        g.Memory.WriteU32(PageDir, PageTable | 3);
        for (uint i = 0; i < 256; i++)
        {
            g.Memory.WriteU32(PageTable + 4 * i, (i << 12) | 3);
        }
        g.Cpu.LoadCr3(PageDir);
    }

    [Fact]
    public void A_page_fault_in_compiled_code_keeps_the_stores_before_it_and_not_those_after()
    {
        static void Before(Assembler a)
        {
            a.mov(eax, 0x11111111);
            a.mov(__dword_ptr[TestGuest.DataBase], eax); // before: done
            a.inc(ebx);                                   // before: done
            a.add(ecx, 5);                                // the flags the fault must show
        }
        TestGuest Run(TestGuest g)
        {
            Page(g);
            g.SetGate(14, TestGuest.HandlerBase);
            g.Load(TestGuest.HandlerBase, a =>
            {
                a.pop(esi);                   // error code
                a.mov(edi, cr2);
                a.mov(ebp, __dword_ptr[esp]); // the faulting EIP
                a.hlt();
            });
            g.LoadCode(a =>
            {
                Before(a);
                a.mov(__dword_ptr[Mapped + 0x10], eax);       // not present: #PF
                a.mov(__dword_ptr[TestGuest.DataBase + 4], eax); // after: not done
                a.mov(edx, 0x22);                             // after: not done
                a.hlt();
            });
            g.RunToHalt();
            return g;
        }
        var interpreted = Run(new TestGuest());
        var compiled = Run(CompiledGuest.Create());

        CompiledGuest.AssertSameState(interpreted.Cpu, compiled.Cpu, "in the #PF handler");
        Assert.Equal(0x11111111u, compiled.Memory.ReadU32(TestGuest.DataBase));
        Assert.Equal(0u, compiled.Memory.ReadU32(TestGuest.DataBase + 4));
        Assert.Equal(1u, compiled.Cpu.Ebx);
        Assert.Equal(0u, compiled.Cpu.Edx);
        Assert.Equal(Mapped + 0x10, compiled.Cpu.Edi);
        Assert.Equal(2u, compiled.Cpu.Esi);                    // not present, write
        Assert.Equal(TestGuest.CodeBase + (uint)TestGuest.Assemble(TestGuest.CodeBase, Before).Length, compiled.Cpu.Ebp); // the faulting store
        uint pushedFlags = compiled.Memory.ReadU32(compiled.Cpu.Esp + 8);
        Assert.Equal(Cpu.PF, pushedFlags & Cpu.ArithFlags);    // ADD 0 + 5: PF only
        Assert.True(compiled.Cpu.CompiledStats.Regions > 0);
    }

    [Fact]
    public void A_guest_page_fault_in_compiled_code_costs_no_dotnet_exception()
    {
        int Exceptions(TestGuest g)
        {
            Page(g);
            g.SetGate(14, TestGuest.HandlerBase);
            g.Load(TestGuest.HandlerBase, a =>
            {
                a.add(esp, 4);                       // the error code
                a.add(__dword_ptr[esp], 5);          // skip the 5-byte load that faulted
                a.inc(edi);
                a.iretd();
            });
            g.LoadCode(a =>
            {
                var top = a.CreateLabel();
                a.mov(ecx, 300);
                a.Label(ref top);
                a.mov(eax, __dword_ptr[Mapped]);     // A1 moffs32: 5 bytes, not present
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            int thread = Environment.CurrentManagedThreadId;
            int count = 0;
            void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
            {
                if (Environment.CurrentManagedThreadId == thread && e.Exception is GuestTrap)
                {
                    count++;
                }
            }
            AppDomain.CurrentDomain.FirstChanceException += Count;
            try
            {
                g.RunToHalt();
            }
            finally
            {
                AppDomain.CurrentDomain.FirstChanceException -= Count;
            }
            Assert.Equal(300u, g.Cpu.Edi);
            return count;
        }
        Assert.True(Exceptions(new TestGuest()) >= 300, "the interpreter throws one GuestTrap per fault (the test can see them)");
        Assert.Equal(0, Exceptions(CompiledGuest.Create()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Patching_an_immediate_inside_a_compiled_loop_is_seen_on_the_next_iteration(int threshold)
    {
        var g = CompiledGuest.Create(threshold);
        g.LoadCode(a =>
        {
            var top = a.CreateLabel();
            var same = a.CreateLabel();
            a.mov(ecx, 10);
            a.xor(ebx, ebx);
            a.Label(ref top);
            a.mov(eax, 1);                                     // B8 imm32, at CodeBase + 7
            a.add(ebx, eax);
            a.cmp(ecx, 5);
            a.jne(same);
            a.mov(__dword_ptr[TestGuest.CodeBase + 7 + 1], 5); // the imm32 of the mov above
            a.Label(ref same);
            a.loop(top);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(6u * 1 + 4 * 5, g.Cpu.Ebx);
        Assert.True(g.Cpu.CompiledStats.Invalidated > 0, "the store did not drop the compiled region");
    }

    [Fact]
    public void A_device_write_into_compiled_code_is_seen_the_next_time_it_runs()
    {
        var g = CompiledGuest.Create();
        g.LoadCode(a =>
        {
            a.mov(eax, 1);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(1u, g.Cpu.Eax);
        Assert.Equal(1, g.Cpu.CompiledStats.Regions);
        g.Memory.WriteU32(TestGuest.CodeBase + 1, 2); // as a device's DMA would
        g.Cpu.WakeFromHalt();
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(2u, g.Cpu.Eax);
        Assert.Equal(1, g.Cpu.CompiledStats.Invalidated);
    }

    [Fact]
    public void Remapping_the_second_page_of_a_compiled_loop_runs_the_new_code_after_a_tlb_flush()
    {
        // A loop that starts near the end of linear page Mapped and continues on the next one.
        const uint first = 0x30000;
        const uint secondA = 0x31000;
        const uint secondB = 0x32000;
        (uint Eax, ulong Retired) Run(TestGuest g)
        {
            Page(g);
            g.Memory.WriteU32(PteOf(Mapped), first | 3);
            g.Memory.WriteU32(PteOf(Mapped + 0x1000), secondA | 3);
            uint start = Mapped + 0xFF0;
            byte[] code = TestGuest.Assemble(start, a =>
            {
                var top = a.CreateLabel();
                a.mov(ecx, 50);
                a.Label(ref top);
                for (int n = 0; n < 11; n++)
                {
                    a.nop();
                }
                a.add(eax, 1);                            // the first instruction of the second page
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            int split = 0x1000 - 0xFF0;
            g.Memory.Write(first + 0xFF0, code.AsSpan(0, split));
            g.Memory.Write(secondA, code.AsSpan(split));
            byte[] patched = code.AsSpan(split).ToArray();
            patched[Array.IndexOf(patched, (byte)0x83) + 2] = 2; // add eax, 2
            g.Memory.Write(secondB, patched);
            g.Cpu.Eip = start;
            g.RunToHalt();
            Assert.Equal(50u, g.Cpu.Eax);
            g.Memory.WriteU32(PteOf(Mapped + 0x1000), secondB | 3);
            g.Cpu.LoadCr3(PageDir); // flushes the TLB
            g.Cpu.WakeFromHalt();
            g.Cpu.Eip = start;
            g.RunToHalt();
            return (g.Cpu.Eax, g.Cpu.Retired);
        }
        var compiled = CompiledGuest.Create();
        Assert.Equal(Run(new TestGuest()), Run(compiled));
        Assert.Equal(150u, compiled.Cpu.Eax);
        Assert.True(compiled.Cpu.CompiledStats.Regions > 0);
    }

    [Fact]
    public void A_block_is_compiled_only_after_it_has_interpreted_the_threshold_of_instructions()
    {
        void Loop(Assembler a)
        {
            var top = a.CreateLabel();
            a.Label(ref top);
            a.inc(eax);
            a.cmp(eax, 10);
            a.jb(top);
            a.hlt();
        }
        // The loop block is 3 instructions and runs 10 times: 30 instructions in all.
        var below = CompiledGuest.Create(threshold: 30);
        below.LoadCode(Loop);
        below.RunToHalt();
        Assert.Equal(0, below.Cpu.CompiledStats.Regions); // all 30 interpreted

        var above = CompiledGuest.Create(threshold: 27); // compiled on its 10th run (27 -> 30)
        above.LoadCode(Loop);
        above.RunToHalt();
        Assert.Equal(1, above.Cpu.CompiledStats.Regions);
        Assert.Equal(10u, above.Cpu.Eax);
        Assert.Equal(1, above.Cpu.CompiledStats.BlocksCompiled);
        Assert.Equal(3, above.Cpu.CompiledStats.InstructionsCompiled);
        Assert.True(above.Cpu.CompiledStats.CompileTime >= above.Cpu.CompiledStats.JitTime);
    }

    [Fact]
    public void Switching_engines_between_runs_changes_nothing_the_guest_sees()
    {
        var reference = new TestGuest();
        var switching = new TestGuest();
        reference.LoadCode(Busy);
        switching.LoadCode(Busy);
        for (int i = 0; i < 20; i++)
        {
            switching.Cpu.Engine = i % 2 == 0 ? CpuEngine.Compiled : CpuEngine.Interpreter;
            reference.Cpu.Run(997);
            switching.Cpu.Run(997);
            CompiledGuest.AssertSameState(reference.Cpu, switching.Cpu, $"after slice {i}");
        }
    }
}
