using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

public sealed class ExceptionTests
{
    /// <summary>
    /// A handler that records the frame (EIP in EBX, CS in ECX, EFLAGS in EDX, error code in ESI
    /// when the vector has one), skips <paramref name="skip"/> bytes of the faulting instruction and IRETs.
    /// </summary>
    private static TestGuest GuestWithHandler(int vector, bool hasError, int skip)
    {
        var g = new TestGuest();
        g.SetGate(vector, TestGuest.HandlerBase, 0xF);
        g.Load(TestGuest.HandlerBase, a =>
        {
            if (hasError)
            {
                a.pop(esi);
            }
            a.mov(ebx, __dword_ptr[esp]);
            a.mov(ecx, __dword_ptr[esp + 4]);
            a.mov(edx, __dword_ptr[esp + 8]);
            a.add(__dword_ptr[esp], skip);
            a.iretd();
        });
        return g;
    }

    [Fact]
    public void Divide_by_zero_delivers_de_with_the_faulting_eip_and_iret_resumes()
    {
        var g = GuestWithHandler(0, hasError: false, skip: 2);
        g.LoadCode(a =>
        {
            a.mov(eax, 10);
            a.xor(edi, edi);
            a.div(edi);        // 2 bytes, at CodeBase + 7
            a.mov(ebp, 1);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(TestGuest.CodeBase + 7, g.Cpu.Ebx);
        Assert.Equal((uint)Cpu.KernelCs, g.Cpu.Ecx); // __KERNEL_CS | 1: the guest kernel runs in ring 1
        Assert.Equal(0x2u, g.Cpu.Edx & 0x2);
        Assert.Equal(1u, g.Cpu.Ebp);
        Assert.Equal(TestGuest.StackTop, g.Cpu.Esp);
    }

    [Fact]
    public void A_quotient_that_does_not_fit_is_a_divide_error_too()
    {
        var g = GuestWithHandler(0, hasError: false, skip: 2);
        g.LoadCode(a =>
        {
            a.mov(edx, 5);
            a.mov(eax, 0);
            a.mov(edi, 2);
            a.div(edi);        // at CodeBase + 15
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(TestGuest.CodeBase + 15, g.Cpu.Ebx);
        Assert.Equal(0u, g.Cpu.Eax); // the failed divide wrote no quotient
        Assert.Equal(2u, g.Cpu.Edi);
    }

    [Fact]
    public void Ud2_delivers_ud_with_the_faulting_eip()
    {
        var g = GuestWithHandler(6, hasError: false, skip: 2);
        g.LoadCode(a =>
        {
            a.ud2();
            a.mov(ebp, 2);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(TestGuest.CodeBase, g.Cpu.Ebx);
        Assert.Equal(2u, g.Cpu.Ebp);
    }

    [Fact]
    public void Int3_is_a_trap_whose_frame_points_after_the_instruction()
    {
        var g = GuestWithHandler(3, hasError: false, skip: 0);
        g.LoadCode(a =>
        {
            a.int3();
            a.mov(ebp, 3);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(TestGuest.CodeBase + 1, g.Cpu.Ebx);
        Assert.Equal(3u, g.Cpu.Ebp);
    }

    [Fact]
    public void Into_traps_only_when_overflow_is_set()
    {
        var g = GuestWithHandler(4, hasError: false, skip: 0);
        g.LoadCode(a =>
        {
            a.mov(eax, 1);
            a.into();             // OF clear: nothing
            a.mov(eax, 0x7FFFFFFF);
            a.add(eax, 1);
            a.into();             // at CodeBase + 16
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(TestGuest.CodeBase + 17, g.Cpu.Ebx);
    }

    [Fact]
    public void A_privileged_instruction_delivers_gp_with_an_error_code()
    {
        var g = GuestWithHandler(13, hasError: true, skip: 2);
        g.LoadCode(a =>
        {
            a.mov(esi, 0xDEAD);
            a.wrmsr();            // at CodeBase + 5
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0u, g.Cpu.Esi);
        Assert.Equal(TestGuest.CodeBase + 5, g.Cpu.Ebx);
        Assert.Equal(TestGuest.StackTop, g.Cpu.Esp);
    }

    [Fact]
    public void A_software_interrupt_reaches_its_gate()
    {
        var g = GuestWithHandler(0x80, hasError: false, skip: 0);
        g.LoadCode(a =>
        {
            a.@int(0x80);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(TestGuest.CodeBase + 2, g.Cpu.Ebx);
    }

    [Fact]
    public void A_fault_with_no_handler_stops_the_guest_with_a_diagnostic()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.nop();
            a.ud2();
        });
        RunExit exit = g.Cpu.Run(100);
        Assert.Equal(ExitReason.Fault, exit.Reason);
        Assert.Equal(1, exit.Executed);
        GuestFault fault = g.Cpu.Fault!;
        Assert.Equal(TestGuest.CodeBase + 1, fault.Eip);
        Assert.Contains("#UD", fault.Reason, StringComparison.Ordinal);
        Assert.Contains("ud2", fault.Disassembly, StringComparison.Ordinal);
        Assert.Equal("0f 0b", fault.InstructionBytes);
        Assert.Contains("00001001", fault.ToString(), StringComparison.Ordinal);
        Assert.Contains("EAX=", fault.Registers, StringComparison.Ordinal);
        Assert.Equal(ExitReason.Fault, g.Cpu.Run(100).Reason);
    }

    [Fact]
    public void An_unsupported_instruction_is_ud_and_fatal_without_a_handler_naming_it()
    {
        var g = new TestGuest();
        g.LoadCode(a => a.movaps(xmm0, __xmmword_ptr[eax])); // SSE: CPUID does not offer it
        Assert.Equal(ExitReason.Fault, g.Cpu.Run(100).Reason);
        Assert.Contains("#UD", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
        Assert.Contains("movaps", g.Cpu.Fault.Disassembly, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fault_while_pushing_the_frame_is_a_double_fault()
    {
        var g = new TestGuest();
        g.SetGate(6, TestGuest.HandlerBase);
        g.SetGate(14, TestGuest.HandlerBase);
        g.Memory.WriteU32(0x40000, 0x41000 | 3);
        for (uint i = 0; i < 256; i++)
        {
            g.Memory.WriteU32(0x41000 + 4 * i, (i << 12) | 3);
        }
        g.Cpu.LoadCr3(0x40000);
        g.Cpu.Esp = 0x00500000;   // not mapped
        g.LoadCode(a => a.ud2());
        Assert.Equal(ExitReason.Fault, g.Cpu.Run(100).Reason);
        Assert.Contains("double fault", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
    }
}
