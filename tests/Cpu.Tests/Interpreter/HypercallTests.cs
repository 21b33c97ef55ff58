using LguestActors.Cpu.Lguest;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

public sealed class HypercallTests
{
    [Fact]
    public void Int_0x1f_exits_with_the_call_and_its_arguments_and_the_result_lands_in_eax()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(eax, Hypercalls.Notify);
            a.mov(ebx, 0x1111);
            a.mov(ecx, 0x2222);
            a.mov(edx, 0x3333);
            a.mov(esi, 0x4444);
            a.@int(0x1f);          // at CodeBase + 25
            a.mov(edi, eax);
            a.hlt();
        });
        RunExit exit = g.Cpu.Run(1000);
        Assert.Equal(ExitReason.Hypercall, exit.Reason);
        Assert.Equal(6, exit.Executed);
        Assert.Equal(new HypercallRequest(Hypercalls.Notify, 0x1111, 0x2222, 0x3333, 0x4444), g.Cpu.PendingHypercall);
        Assert.Equal(TestGuest.CodeBase + 27, g.Cpu.Eip);
        g.Cpu.CompleteHypercall(77);
        g.RunToHalt();
        Assert.Equal(77u, g.Cpu.Edi);
    }

    [Fact]
    public void Vmcall_is_the_same_trap()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(eax, Hypercalls.SetClockEvent);
            a.mov(ebx, 1000);
            a.vmcall();
            a.hlt();
        });
        Assert.Equal(ExitReason.Hypercall, g.Cpu.Run(1000).Reason);
        Assert.Equal(Hypercalls.SetClockEvent, g.Cpu.PendingHypercall.Call);
        Assert.Equal(1000u, g.Cpu.PendingHypercall.Arg1);
        Assert.Equal(TestGuest.CodeBase + 13, g.Cpu.Eip);
    }

    [Fact]
    public void Lguest_init_records_lguest_data_and_writes_the_tsc_rate()
    {
        var g = new TestGuest();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LguestInit, TestGuest.LguestData, 0, 0, 0), out _));
        Assert.Equal(TestGuest.LguestData, g.Cpu.LguestDataAddress);
        Assert.Equal(1_000_000u, g.Memory.ReadU32(TestGuest.LguestData + LguestDataLayout.TscKhz));
    }

    [Fact]
    public void Lguest_init_outside_memory_is_fatal()
    {
        var g = new TestGuest();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LguestInit, 0xFFFFF000, 0, 0, 0), out _));
        Assert.Equal(0u, g.Cpu.LguestDataAddress);
        Assert.NotNull(g.Cpu.Fault);
    }

    [Fact]
    public void Load_idt_entry_installs_a_gate_the_guest_can_use()
    {
        var g = new TestGuest();
        uint h = TestGuest.HandlerBase;
        // the system-call gate as Linux sets it: a trap gate with DPL 3
        Assert.True(g.Cpu.TryServeLocalHypercall(
            new HypercallRequest(Hypercalls.LoadIdtEntry, 0x80, (0x60u << 16) | (h & 0xFFFF), (h & 0xFFFF0000) | 0xEF00, 0), out _));
        g.Load(h, a =>
        {
            a.mov(ebp, 5);
            a.hlt();
        });
        g.LoadCode(a => a.@int(0x80));
        g.RunToHalt();
        Assert.Equal(5u, g.Cpu.Ebp);
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(8u)]
    [InlineData(15u)]
    [InlineData(0x1Fu)]
    public void Load_idt_entry_ignores_the_vectors_lguest_never_let_the_guest_handle(uint vector)
    {
        var g = new TestGuest();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LoadIdtEntry, vector, 0x600000, 0xEF00, 0), out _));
        Assert.Null(g.Cpu.Fault);
        Assert.False(g.Cpu.GatePresent((int)vector));
    }

    [Fact]
    public void Load_idt_entry_of_a_task_gate_is_fatal_as_lguest_allowed_only_interrupt_and_trap_gates()
    {
        var g = new TestGuest();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LoadIdtEntry, 0x30, 0x600000, 0x8500, 0), out _));
        Assert.Contains("gate type 0x5", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void New_pgtable_turns_paging_on_with_the_new_directory()
    {
        var g = new TestGuest();
        Assert.False(g.Cpu.PagingEnabled);
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.NewPgtable, 0x40000, 0, 0, 0), out _));
        Assert.True(g.Cpu.PagingEnabled);
        Assert.Equal(0x40000u, g.Cpu.Cr3);
    }

    [Fact]
    public void Load_tls_sets_gdt_slots_that_a_gs_load_picks_the_base_from()
    {
        var g = new TestGuest();
        // three descriptors; the middle one (slot 7) has base 0x00023000
        ulong Descriptor(uint b) => 0xFFFF | ((ulong)(b & 0xFFFFFF) << 16) | (0x93ul << 40) | (0xCFul << 48) | ((ulong)(b >> 24) << 56);
        g.Memory.WriteU64(TestGuest.DataBase, Descriptor(0));
        g.Memory.WriteU64(TestGuest.DataBase + 8, Descriptor(0x00023000));
        g.Memory.WriteU64(TestGuest.DataBase + 16, Descriptor(0));
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LoadTls, TestGuest.DataBase, 0, 0, 0), out _));
        g.Memory.WriteU32(0x23010, 0xABCDEF01);
        g.LoadCode(a =>
        {
            a.mov(eax, 7 << 3);
            a.mov(gs, ax);
            a.mov(ebx, __dword_ptr.gs[0x10]);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0x23000u, g.Cpu.GsBase);
        Assert.Equal(0xABCDEF01u, g.Cpu.Ebx);
    }

    [Fact]
    public void Load_gdt_entry_and_set_stack_and_ts_are_served_locally()
    {
        var g = new TestGuest();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LoadGdtEntry, 12, 0x0000FFFF, 0x00CF9B00, 0), out _));
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.SetStack, 0x69, 0x12345, 1, 0), out _));
        Assert.Equal(0x12345u, g.Cpu.KernelStackPointer);
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.Ts, 0, 0, 0, 0), out _));
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.FlushTlb, 1, 0, 0, 0), out _));
        Assert.Null(g.Cpu.Fault);
    }

    [Theory]
    [InlineData(Hypercalls.Shutdown)]
    [InlineData(Hypercalls.Halt)]
    [InlineData(Hypercalls.Notify)]
    [InlineData(Hypercalls.SetClockEvent)]
    [InlineData(Hypercalls.SendInterrupts)]
    public void Hypercalls_that_need_the_outside_world_are_left_to_the_owner(uint call)
    {
        var g = new TestGuest();
        Assert.False(g.Cpu.TryServeLocalHypercall(new HypercallRequest(call, 0, 0, 0, 0), out _));
        Assert.Null(g.Cpu.Fault);
    }

    [Fact]
    public void An_unknown_hypercall_is_fatal()
    {
        var g = new TestGuest();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(99, 0, 0, 0, 0), out _));
        Assert.Contains("unknown hypercall 99", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
        Assert.Equal(ExitReason.Fault, g.Cpu.Run(10).Reason);
    }

    [Fact]
    public void Flush_async_runs_pending_ring_entries_and_marks_them_done()
    {
        var g = new TestGuest();
        g.InitLguestData();
        uint data = TestGuest.LguestData;
        g.Memory.Fill(data + LguestDataLayout.HcallStatus, 64, 0xFF);
        void Entry(int n, uint call, uint a1, uint a2, uint a3)
        {
            uint e = data + LguestDataLayout.Hcalls + (uint)(n * LguestDataLayout.HcallSize);
            g.Memory.WriteU32(e, call);
            g.Memory.WriteU32(e + 4, a1);
            g.Memory.WriteU32(e + 8, a2);
            g.Memory.WriteU32(e + 12, a3);
            g.Memory.WriteU8(data + LguestDataLayout.HcallStatus + (uint)n, 0);
        }
        Entry(0, Hypercalls.LoadIdtEntry, 0x80, (0x60u << 16) | 0x8000, 0xEE00);
        Entry(1, Hypercalls.Notify, 0x5000, 0, 0);
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.FlushAsync, 0, 0, 0, 0), out _));
        Assert.Equal(0xFF, g.Memory.ReadU8(data + LguestDataLayout.HcallStatus));
        Assert.Equal(0xFF, g.Memory.ReadU8(data + LguestDataLayout.HcallStatus + 1));
        Assert.True(g.Cpu.TryDequeueDeferredHypercall(out HypercallRequest deferred));
        Assert.Equal(Hypercalls.Notify, deferred.Call);
        Assert.Equal(0x5000u, deferred.Arg1);
        g.Load(0x8000, a => a.hlt());
        g.LoadCode(a => a.@int(0x80));
        g.RunToHalt();
        Assert.Equal(0x8001u, g.Cpu.Eip);
    }
}
