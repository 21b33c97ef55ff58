using LguestActors.Cpu.Lguest;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

public sealed class CodeCacheTests
{
    [Fact]
    public void Patching_an_immediate_inside_a_loop_is_seen_on_the_next_iteration()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 3);
            a.xor(ebx, ebx);
            a.Label(ref top);
            a.mov(eax, 1);                                  // B8 imm32
            a.add(ebx, eax);
            a.mov(__dword_ptr[TestGuest.CodeBase + 7 + 1], 5); // the imm32 of the mov above
            a.loop(top);
            a.hlt();
        });
        Assert.Equal(0xB8, g.Memory.ReadU8(TestGuest.CodeBase + 7));
        g.RunToHalt();
        Assert.Equal(11u, g.Cpu.Ebx);
    }

    [Fact]
    public void A_store_into_the_next_instruction_of_the_running_block_takes_effect()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(__byte_ptr[TestGuest.CodeBase + 7 + 1], 7); // 7 bytes; patches the next mov's imm
            a.mov(eax, 1);
            a.hlt();
        });
        Assert.Equal(0xB8, g.Memory.ReadU8(TestGuest.CodeBase + 7));
        g.RunToHalt();
        Assert.Equal(7u, g.Cpu.Eax);
    }

    [Fact]
    public void A_device_write_into_cached_code_invalidates_it()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(eax, 1);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(1u, g.Cpu.Eax);
        g.Memory.WriteU32(TestGuest.CodeBase + 1, 2); // as a device's DMA would
        g.Cpu.WakeFromHalt();
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        Assert.Equal(2u, g.Cpu.Eax);
    }

    [Fact]
    public void Run_stops_exactly_at_the_budget_and_reports_what_it_executed()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            var top = a.CreateLabel();
            a.Label(ref top);
            a.inc(eax);
            a.nop();
            a.nop();
            a.jmp(top);
        });
        RunExit exit = g.Cpu.Run(1001);
        Assert.Equal(ExitReason.BudgetSpent, exit.Reason);
        Assert.Equal(1001, exit.Executed);
        Assert.Equal(251u, g.Cpu.Eax);
        Assert.Equal(1001ul, g.Cpu.Retired);
        Assert.Equal(TestGuest.CodeBase + 1, g.Cpu.Eip); // stopped in the middle of the block
        exit = g.Cpu.Run(4);   // nop, nop, jmp, inc
        Assert.Equal(4, exit.Executed);
        Assert.Equal(252u, g.Cpu.Eax);
    }

    [Fact]
    public void Retired_and_rdtsc_are_deterministic()
    {
        (uint, uint, ulong) RunOnce()
        {
            var g = new TestGuest();
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
            return (g.Cpu.Eax, g.Cpu.Edx, g.Cpu.Retired);
        }
        var first = RunOnce();
        Assert.Equal(first, RunOnce());
        Assert.Equal(201u, first.Item1);   // mov + 100 × (add, loop): the virtual TSC counts instructions
        Assert.Equal(0u, first.Item2);
        Assert.Equal(203ul, first.Item3);
    }

    [Fact]
    public void A_lone_instruction_straddling_two_pages_executes()
    {
        var g = new TestGuest();
        uint at = 0x1FFE;
        g.Load(at, a =>
        {
            a.mov(eax, 0x12345678);  // 5 bytes across 0x1FFF/0x2000
            a.hlt();
        });
        g.Cpu.Eip = at;
        g.RunToHalt();
        Assert.Equal(0x12345678u, g.Cpu.Eax);
    }

    [Theory]
    [InlineData(0xC0000000u)] // Linux's PAGE_OFFSET
    [InlineData(0u)]          // identity-mapped
    public void Blocks_of_a_kernel_mapped_at_a_fixed_offset_spread_over_the_hash(uint offset)
    {
        // 64 K block starts, 16 bytes apart over 1 MiB of kernel text: pa ^ la (the old ulong
        // key's hash) gave every one of them the same hash code, so one bucket held them all.
        var hashes = new HashSet<int>();
        for (uint pa = 0x100000; pa < 0x200000; pa += 16)
        {
            hashes.Add(new BlockKey(pa, pa + offset).GetHashCode());
        }

        Assert.True(hashes.Count > 65_000, $"only {hashes.Count} distinct hash codes for 65,536 blocks");
    }

    [Fact]
    public void The_old_xor_hashing_kept_for_the_benchmark_runs_the_same_guest_to_the_same_result()
    {
        // bench/LinuxBench's "xor-hash" mode: slower on a high-mapped kernel, never different.
        var results = new List<uint>();
        foreach (var hashing in new[] { BlockKeyHashing.Mixed, BlockKeyHashing.Xor })
        {
            var g = new TestGuest();
            g.Cpu.BlockKeyHashing = hashing;
            g.LoadCode(a =>
            {
                var top = a.CreateLabel();
                a.mov(ecx, 100);
                a.xor(ebx, ebx);
                a.Label(ref top);
                a.add(ebx, ecx);
                a.loop(top);
                a.hlt();
            });
            g.RunToHalt();
            Assert.Equal(hashing, g.Cpu.BlockKeyHashing);
            Assert.Throws<InvalidOperationException>(() => g.Cpu.BlockKeyHashing = BlockKeyHashing.Mixed);
            results.Add(g.Cpu.Ebx);
        }

        Assert.Equal([5050u, 5050u], results);
    }

    [Fact]
    public void After_a_tlb_flush_a_cached_block_returns_to_the_fast_table_after_one_lookup()
    {
        var g = new TestGuest();
        g.Memory.WriteU32(0x40000, 0x41000 | 3);
        for (uint i = 0; i < 256; i++)
        {
            g.Memory.WriteU32(0x41000 + 4 * i, (i << 12) | 3);
        }
        g.Cpu.LoadCr3(0x40000);
        g.LoadCode(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 1000);
            a.Label(ref top);
            a.add(eax, ecx);
            a.dec(ecx);
            a.jnz(top);
            a.hlt();
        });
        g.RunToHalt();
        long before = g.Cpu.SlowLookups;
        Assert.True(before <= 4, $"{before} slow lookups for a 3-block program");

        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.FlushTlb, 1, 0, 0, 0), out _));
        g.Cpu.WakeFromHalt();
        g.Cpu.Eip = TestGuest.CodeBase;
        g.RunToHalt();
        long after = g.Cpu.SlowLookups - before;
        Assert.True(after <= 4, $"{after} slow lookups after the flush: the loop's block left the fast table for good");
        Assert.Equal(2u * 500500, g.Cpu.Eax);
    }
}
