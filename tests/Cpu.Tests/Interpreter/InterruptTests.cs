using LguestActors.Cpu.Lguest;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

public sealed class InterruptTests
{
    private const uint Data = TestGuest.LguestData;

    private static TestGuest GuestSpinning()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            var top = a.CreateLabel();
            a.Label(ref top);
            a.inc(eax);
            a.jmp(top);
        });
        g.Load(TestGuest.HandlerBase, a =>
        {
            a.mov(ebp, 0x1AB);
            a.hlt();
        });
        return g;
    }

    [Fact]
    public void Without_lguest_data_an_irq_is_disabled()
    {
        var g = GuestSpinning();
        g.SetGate(32, TestGuest.HandlerBase);
        Assert.Equal(IrqDelivery.Disabled, g.Cpu.TryDeliverIrq(0));
    }

    [Fact]
    public void With_interrupts_off_an_irq_stays_pending_and_irq_pending_is_set()
    {
        var g = GuestSpinning();
        g.SetGate(32, TestGuest.HandlerBase);
        g.InitLguestData(irqEnabled: 0);
        Assert.Equal(IrqDelivery.Disabled, g.Cpu.TryDeliverIrq(0));
        Assert.Equal(0x200u, g.Memory.ReadU32(Data + LguestDataLayout.IrqPending));
        Assert.Equal(TestGuest.CodeBase, g.Cpu.Eip);
    }

    [Fact]
    public void A_blocked_irq_is_not_delivered()
    {
        var g = GuestSpinning();
        g.SetGate(35, TestGuest.HandlerBase);
        g.InitLguestData();
        g.Memory.WriteU32(Data + LguestDataLayout.BlockedInterrupts, 1u << 3);
        Assert.Equal(IrqDelivery.Blocked, g.Cpu.TryDeliverIrq(3));
        Assert.Equal(IrqDelivery.NoHandler, g.Cpu.TryDeliverIrq(4));
    }

    [Fact]
    public void No_irq_is_delivered_inside_the_guests_noirq_window()
    {
        var g = GuestSpinning();
        g.SetGate(32, TestGuest.HandlerBase);
        g.InitLguestData();
        g.Memory.WriteU32(Data + LguestDataLayout.NoIrqStart, TestGuest.CodeBase);
        g.Memory.WriteU32(Data + LguestDataLayout.NoIrqEnd, TestGuest.CodeBase + 1);
        Assert.Equal(IrqDelivery.NoIrqWindow, g.Cpu.TryDeliverIrq(0));
        g.Cpu.Run(1); // past the inc: now outside the window
        Assert.Equal(IrqDelivery.Delivered, g.Cpu.TryDeliverIrq(0));
    }

    [Fact]
    public void An_irq_through_an_interrupt_gate_pushes_the_frame_and_clears_irq_enabled()
    {
        var g = GuestSpinning();
        g.SetGate(33, TestGuest.HandlerBase, 0xE);
        g.InitLguestData();
        g.Cpu.Run(3);
        uint eip = g.Cpu.Eip;
        Assert.Equal(IrqDelivery.Delivered, g.Cpu.TryDeliverIrq(1));
        Assert.Equal(TestGuest.HandlerBase, g.Cpu.Eip);
        Assert.Equal(TestGuest.StackTop - 12, g.Cpu.Esp);
        Assert.Equal(eip, g.Memory.ReadU32(TestGuest.StackTop - 12));
        Assert.Equal((uint)Cpu.KernelCs, g.Memory.ReadU32(TestGuest.StackTop - 8));
        Assert.Equal(0x200u, g.Memory.ReadU32(TestGuest.StackTop - 4) & 0x200);
        Assert.Equal(0u, g.IrqEnabled);
        g.RunToHalt();
        Assert.Equal(0x1ABu, g.Cpu.Ebp);
    }

    [Fact]
    public void An_irq_through_a_trap_gate_leaves_irq_enabled_on()
    {
        var g = GuestSpinning();
        g.SetGate(33, TestGuest.HandlerBase, 0xF);
        g.InitLguestData();
        Assert.Equal(IrqDelivery.Delivered, g.Cpu.TryDeliverIrq(1));
        Assert.Equal(0x200u, g.IrqEnabled);
    }

    [Fact]
    public void An_irq_wakes_a_halted_guest()
    {
        var g = new TestGuest();
        g.SetGate(32, TestGuest.HandlerBase);
        g.InitLguestData();
        g.Load(TestGuest.HandlerBase, a =>
        {
            a.mov(ebp, 9);
            a.iretd();
        });
        g.LoadCode(a =>
        {
            a.hlt();
            a.mov(esi, ebp);
            a.hlt();
        });
        Assert.Equal(ExitReason.Halt, g.Cpu.Run(100).Reason);
        Assert.True(g.Cpu.Halted);
        Assert.Equal(ExitReason.Halt, g.Cpu.Run(100).Reason); // still waiting
        Assert.Equal(IrqDelivery.Delivered, g.Cpu.TryDeliverIrq(0));
        Assert.False(g.Cpu.Halted);
        g.RunToHalt();
        Assert.Equal(9u, g.Cpu.Esi);
        Assert.Equal(0x200u, g.IrqEnabled); // IRET restored IF from the frame
    }

    [Fact]
    public void Cli_and_sti_write_irq_enabled_and_pushf_popf_carry_the_virtual_if()
    {
        var g = new TestGuest();
        g.InitLguestData();
        g.LoadCode(a =>
        {
            a.cli();
            a.pushfd();
            a.pop(ebx);             // IF clear
            a.sti();
            a.pushfd();
            a.pop(ecx);             // IF set
            a.push(0x2);
            a.popfd();              // IF off through POPF
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0u, g.Cpu.Ebx & 0x200);
        Assert.Equal(0x200u, g.Cpu.Ecx & 0x200);
        Assert.Equal(0u, g.IrqEnabled);
    }

    [Fact]
    public void Without_lguest_data_cli_and_sti_toggle_eflags_if()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.sti();
            a.pushfd();
            a.pop(ebx);
            a.cli();
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0x200u, g.Cpu.Ebx & 0x200);
        Assert.Equal(0u, g.Cpu.Eflags & 0x200);
    }
}
