using Iced.Intel;
using LguestActors.Cpu.Lguest;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

/// <summary>
/// Ring 1 (lguest's guest kernel) and ring 3 (its processes): IRET outward, traps inward onto
/// the SET_STACK stack, gate DPLs, the hypercall trap, privileged instructions and POPF.
/// </summary>
public sealed class PrivilegeTests
{
    private const uint GpHandler = TestGuest.HandlerBase + 0x100;
    private const uint UdHandler = TestGuest.HandlerBase + 0x200;
    private const uint SyscallHandler = TestGuest.HandlerBase + 0x300;

    /// <summary>#GP and #UD handlers (ring 1) that record the error code in ESI, the faulting EIP in EDI, the vector in EBP, and halt.</summary>
    internal static TestGuest GuestWithFaultHandlers()
    {
        var g = new TestGuest();
        g.SetGate(13, GpHandler, 0xF);
        g.Load(GpHandler, a =>
        {
            a.pop(esi);
            a.mov(edi, __dword_ptr[esp]);
            a.mov(ebp, 13);
            a.hlt();
        });
        g.SetGate(6, UdHandler, 0xF);
        g.Load(UdHandler, a =>
        {
            a.mov(esi, 0xFFFFFFFF);
            a.mov(edi, __dword_ptr[esp]);
            a.mov(ebp, 6);
            a.hlt();
        });
        return g;
    }

    private static void SpinForever(Assembler a)
    {
        var self = a.CreateLabel();
        a.Label(ref self);
        a.jmp(self);
    }

    [Fact]
    public void Iret_to_ring_3_pops_esp_and_ss_and_the_process_runs_at_cpl_3()
    {
        var g = new TestGuest();
        g.StartInUserMode(a =>
        {
            a.mov(ebx, esp);
            SpinForever(a);
        });
        g.Cpu.Run(50);
        Assert.Null(g.Cpu.Fault);
        Assert.Equal(3, g.Cpu.Cpl);
        Assert.Equal(TestGuest.UserStackTop, g.Cpu.Ebx);
        Assert.Equal(TestGuest.UserCs, g.Cpu.Selectors[1]);
        Assert.Equal(TestGuest.UserDs, g.Cpu.Selectors[2]);
        Assert.Equal(0, g.Cpu.Selectors[3]); // DS was the kernel's (DPL 1): IRET cleared it, as the hardware does
    }

    [Fact]
    public void A_system_call_from_ring_3_lands_on_the_set_stack_stack_with_ss_esp_pushed_and_iret_goes_back()
    {
        var g = new TestGuest();
        g.Cpu.SetIdtEntry(0x80, (0x60u << 16) | (SyscallHandler & 0xFFFF), (SyscallHandler & 0xFFFF0000) | 0xEF00); // trap gate, DPL 3
        g.Load(SyscallHandler, a =>
        {
            a.mov(esi, __dword_ptr[esp]);       // EIP
            a.mov(edi, __dword_ptr[esp + 4]);   // CS
            a.mov(ebp, __dword_ptr[esp + 12]);  // ESP
            a.mov(edx, __dword_ptr[esp + 16]);  // SS
            a.mov(ecx, esp);
            a.iretd();
        });
        g.StartInUserMode(a =>
        {
            a.@int(0x80);                      // 2 bytes
            a.mov(ebx, 0x1234);
            SpinForever(a);
        });
        g.Cpu.Run(100);
        Assert.Null(g.Cpu.Fault);
        Assert.Equal(TestGuest.UserCode + 2, g.Cpu.Esi);
        Assert.Equal((uint)TestGuest.UserCs, g.Cpu.Edi);
        Assert.Equal(TestGuest.UserStackTop, g.Cpu.Ebp);
        Assert.Equal((uint)TestGuest.UserDs, g.Cpu.Edx);
        Assert.Equal(TestGuest.KernelStackTop - 20, g.Cpu.Ecx);
        Assert.Equal(0x1234u, g.Cpu.Ebx);
        Assert.Equal(3, g.Cpu.Cpl);
        Assert.Equal(TestGuest.UserStackTop, g.Cpu.Esp);
    }

    [Fact]
    public void The_handler_runs_in_ring_1_on_the_segment_set_stack_named()
    {
        var g = new TestGuest();
        g.Cpu.SetIdtEntry(0x80, (0x60u << 16) | (SyscallHandler & 0xFFFF), (SyscallHandler & 0xFFFF0000) | 0xEE00); // interrupt gate, DPL 3
        g.Load(SyscallHandler, a => a.hlt());
        g.StartInUserMode(a => a.@int(0x80));
        g.RunToHalt();
        Assert.Equal(1, g.Cpu.Cpl);
        Assert.Equal(Cpu.KernelCs, g.Cpu.Selectors[1]);
        Assert.Equal(Cpu.KernelDs, g.Cpu.Selectors[2]);
    }

    [Theory]
    [InlineData(0x80, 1)]   // the system-call vector with a gate the kernel kept for itself
    [InlineData(0x03, 1)]   // int3 to a kernel-only gate
    [InlineData(0x0E, 3)]   // #PF: lguest's host owned it, whatever the guest's gate said
    [InlineData(0x02, 3)]   // NMI: likewise
    [InlineData(0x0F, 3)]   // vector 15: likewise
    [InlineData(0x07, 3)]   // #NM: likewise
    [InlineData(0x81, 3)]   // from 32 up only the system-call vector reaches the guest
    [InlineData(0x30, 3)]
    public void Int_n_through_a_gate_ring_3_may_not_use_is_a_gp_with_the_idt_error_code(int vector, int dpl)
    {
        var g = GuestWithFaultHandlers();
        g.Cpu.SetIdtEntry(vector, (0x60u << 16) | (SyscallHandler & 0xFFFF), (SyscallHandler & 0xFFFF0000) | 0x8F00 | ((uint)dpl << 13));
        g.Load(SyscallHandler, a =>
        {
            a.mov(ebp, 0x5C);
            a.hlt();
        });
        g.StartInUserMode(a => a.@int((byte)vector));
        g.RunToHalt();
        Assert.Equal(13u, g.Cpu.Ebp);
        Assert.Equal(((uint)vector << 3) | 2, g.Cpu.Esi);
        Assert.Equal(TestGuest.UserCode, g.Cpu.Edi); // a fault: the INT itself
        Assert.Equal(TestGuest.KernelStackTop - 20, g.Cpu.Esp); // error code, EIP, CS, EFLAGS, ESP, SS; the error code popped
    }

    [Fact]
    public void The_hypercall_trap_from_ring_3_is_a_gp_and_no_hypercall()
    {
        var g = GuestWithFaultHandlers();
        g.StartInUserMode(a =>
        {
            a.mov(eax, Hypercalls.Shutdown);
            a.@int(Hypercalls.TrapEntryVector);
        });
        RunExit exit = g.Run();
        Assert.Equal(ExitReason.Halt, exit.Reason);
        Assert.Equal(13u, g.Cpu.Ebp);
        Assert.Equal(((uint)Hypercalls.TrapEntryVector << 3) | 2, g.Cpu.Esi);
        Assert.Equal(TestGuest.UserCode + 5, g.Cpu.Edi);
    }

    [Fact]
    public void The_kernel_may_not_use_an_int_gate_of_dpl_0_either()
    {
        var g = GuestWithFaultHandlers();
        g.Cpu.SetIdtEntry(0x80, (0x60u << 16) | (SyscallHandler & 0xFFFF), (SyscallHandler & 0xFFFF0000) | 0x8F00);
        g.LoadCode(a => a.@int(0x80));
        g.RunToHalt();
        Assert.Equal(0x402u, g.Cpu.Esi);
        Assert.Equal(TestGuest.CodeBase, g.Cpu.Edi);
    }

    public static TheoryData<string, int> PrivilegedInstructions => new()
    {
        { "cli", 13 }, { "sti", 13 }, { "hlt", 13 }, { "in al,dx", 13 }, { "out dx,al", 13 }, { "in al,imm", 13 },
        { "mov cr3,eax", 13 }, { "mov eax,cr0", 13 }, { "mov eax,cr2", 13 }, { "mov eax,dr7", 13 }, { "mov dr0,eax", 13 },
        { "invlpg", 13 }, { "wbinvd", 13 }, { "invd", 13 }, { "clts", 13 }, { "lgdt", 13 }, { "lidt", 13 }, { "wrmsr", 13 },
        { "vmcall", 6 },
    };

    private static void Emit(Assembler a, string instruction)
    {
        switch (instruction)
        {
            case "cli": a.cli(); break;
            case "sti": a.sti(); break;
            case "hlt": a.hlt(); break;
            case "in al,dx": a.@in(al, dx); break;
            case "out dx,al": a.@out(dx, al); break;
            case "in al,imm": a.@in(al, 0x60); break;
            case "mov cr3,eax": a.mov(cr3, eax); break;
            case "mov eax,cr0": a.mov(eax, cr0); break;
            case "mov eax,cr2": a.mov(eax, cr2); break;
            case "mov eax,dr7": a.mov(eax, dr7); break;
            case "mov dr0,eax": a.mov(dr0, eax); break;
            case "invlpg": a.invlpg(__byte_ptr[eax]); break;
            case "wbinvd": a.wbinvd(); break;
            case "invd": a.invd(); break;
            case "clts": a.clts(); break;
            case "lgdt": a.lgdt(__fword_ptr[eax]); break;
            case "lidt": a.lidt(__fword_ptr[eax]); break;
            case "wrmsr": a.wrmsr(); break;
            case "vmcall": a.vmcall(); break;
            default: throw new ArgumentException(instruction);
        }
    }

    [Theory]
    [MemberData(nameof(PrivilegedInstructions))]
    public void A_privileged_instruction_in_ring_3_faults_before_it_does_anything(string instruction, int vector)
    {
        var g = GuestWithFaultHandlers();
        g.InitLguestData();
        g.StartInUserMode(a => Emit(a, instruction));
        g.Cpu.Eax = TestGuest.DataBase;
        g.RunToHalt();
        Assert.Equal((uint)vector, g.Cpu.Ebp);
        Assert.Equal(vector == 13 ? 0u : 0xFFFFFFFF, g.Cpu.Esi);
        Assert.Equal(TestGuest.UserCode, g.Cpu.Edi);
        Assert.Equal(0x200u, g.IrqEnabled & 0x200); // the handler is a trap gate: a CLI did not get through
        Assert.False(g.Cpu.TaskSwitched);
    }

    [Fact]
    public void Popf_in_ring_3_changes_neither_the_virtual_if_nor_iopl()
    {
        var g = new TestGuest();
        g.InitLguestData();
        g.StartInUserMode(a =>
        {
            a.pushfd();
            a.pop(eax);
            a.and(eax, ~0x200);
            a.or(eax, 0x3000 | 0x1);            // IOPL 3, and CF so something does change
            a.push(eax);
            a.popfd();
            a.pushfd();
            a.pop(ebx);
            SpinForever(a);
        });
        g.Cpu.Run(100);
        Assert.Null(g.Cpu.Fault);
        Assert.Equal(0x200u, g.IrqEnabled);
        Assert.Equal(0x201u, g.Cpu.Ebx & 0x3201);
    }

    [Fact]
    public void Popf_in_the_ring_1_kernel_sets_the_virtual_if_but_not_iopl()
    {
        var g = new TestGuest();
        g.InitLguestData();
        g.LoadCode(a =>
        {
            a.push(0x3002);
            a.popfd();
            a.pushfd();
            a.pop(ebx);
            a.hlt();
        });
        g.Cpu.Run(100);
        Assert.Equal(0u, g.IrqEnabled);
        Assert.Equal(0u, g.Cpu.Ebx & 0x3000);
    }

    [Fact]
    public void An_irq_while_a_process_runs_is_delivered_on_the_kernel_stack_with_its_ss_and_esp()
    {
        var g = new TestGuest();
        g.SetGate(32, TestGuest.HandlerBase);
        g.Load(TestGuest.HandlerBase, a => a.hlt());
        g.InitLguestData();
        g.StartInUserMode(a =>
        {
            a.mov(esp, 0x4F000);
            SpinForever(a);
        });
        g.Cpu.Run(20);
        uint userEip = g.Cpu.Eip;
        Assert.Equal(IrqDelivery.Delivered, g.Cpu.TryDeliverIrq(0));
        Assert.Equal(1, g.Cpu.Cpl);
        uint frame = TestGuest.KernelStackTop - 20;
        Assert.Equal(frame, g.Cpu.Esp);
        Assert.Equal(userEip, g.Memory.ReadU32(frame));
        Assert.Equal((uint)TestGuest.UserCs, g.Memory.ReadU32(frame + 4));
        Assert.Equal(0x200u, g.Memory.ReadU32(frame + 8) & 0x200);
        Assert.Equal(0x4F000u, g.Memory.ReadU32(frame + 12));
        Assert.Equal((uint)TestGuest.UserDs, g.Memory.ReadU32(frame + 16));
        Assert.Equal(0u, g.IrqEnabled); // an interrupt gate
    }

    [Fact]
    public void A_trap_from_ring_3_before_set_stack_stops_the_guest_with_the_reason()
    {
        var g = GuestWithFaultHandlers();
        g.Load(TestGuest.Trampoline, a =>
        {
            a.push(TestGuest.UserDs);
            a.push(TestGuest.UserStackTop);
            a.push(0x202);
            a.push(TestGuest.UserCs);
            a.push(TestGuest.UserCode);
            a.iretd();
        });
        g.Load(TestGuest.UserCode, a => a.cli());
        g.Cpu.Eip = TestGuest.Trampoline;
        Assert.Equal(ExitReason.Fault, g.Cpu.Run(100).Reason);
        Assert.Contains("SET_STACK", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Iret_to_an_inner_ring_is_a_gp()
    {
        var g = GuestWithFaultHandlers();
        g.LoadCode(a =>
        {
            a.push(0x202);
            a.push(0x60);                       // ring 0: inside lguest's ring-1 kernel
            a.push(TestGuest.CodeBase + 0x100);
            a.iretd();
        });
        g.RunToHalt();
        Assert.Equal(13u, g.Cpu.Ebp);
        Assert.Equal(0x60u, g.Cpu.Esi);
    }

    [Theory]
    [InlineData(0x68u, 1u, "bad stack segment")]
    [InlineData(0x69u, 3u, "bad stack pages")]
    public void Set_stack_with_a_segment_outside_ring_1_or_too_many_pages_is_fatal(uint segment, uint pages, string reason)
    {
        var g = new TestGuest();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.SetStack, segment, 0x5000, pages, 0), out _));
        Assert.Contains(reason, g.Cpu.Fault!.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x81, 0x81, true)]   // the vector lguest_data.syscall_vec names
    [InlineData(0x81, 0x80, true)]   // and Linux's SYSCALL_VECTOR, which lguest always allowed
    [InlineData(0x81, 0x82, false)]  // any other vector from 32 up is the host's
    [InlineData(0x00, 0x80, true)]   // left 0: lguest's default
    public void The_system_call_vector_lguest_data_names_is_the_one_a_process_may_trap_to(int syscallVec, int vector, bool reaches)
    {
        var g = GuestWithFaultHandlers();
        g.Memory.WriteU32(TestGuest.LguestData + LguestDataLayout.SyscallVec, (uint)syscallVec);
        g.InitLguestData();
        g.Cpu.SetIdtEntry(vector, (0x60u << 16) | (SyscallHandler & 0xFFFF), (SyscallHandler & 0xFFFF0000) | 0xEF00);
        g.Load(SyscallHandler, a =>
        {
            a.mov(ebp, 0x5C);
            a.hlt();
        });
        g.StartInUserMode(a => a.@int((byte)vector));
        g.RunToHalt();
        Assert.Equal(reaches ? 0x5Cu : 13u, g.Cpu.Ebp);
    }

    [Theory]
    [InlineData(0x1Fu)]   // the hypercall trap
    [InlineData(0x20u)]   // an IRQ vector
    [InlineData(0x100u)]
    public void Lguest_init_with_a_syscall_vector_the_host_cannot_give_is_fatal(uint syscallVec)
    {
        var g = new TestGuest();
        g.Memory.WriteU32(TestGuest.LguestData + LguestDataLayout.SyscallVec, syscallVec);
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LguestInit, TestGuest.LguestData, 0, 0, 0), out _));
        Assert.Contains("bad syscall vector", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
    }
}
