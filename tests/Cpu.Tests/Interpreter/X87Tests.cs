using Iced.Intel;
using LguestActors.Cpu.Lguest;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

/// <summary>
/// No x87: CPUID, Linux's fpu_detect probe, #NM for processes (the math emulator's way in),
/// TS, the ring-1 kernel's state instructions, FXSAVE/FXRSTOR, and the SIMD opcodes CPUID
/// does not offer.
/// </summary>
public sealed class X87Tests
{
    private const uint NmHandler = TestGuest.HandlerBase + 0x500;
    private const uint Area = TestGuest.DataBase + 0x100; // 16-byte aligned
    private const byte Fill = 0xA5;

    /// <summary>A #NM handler (trap gate) that records the EIP of the frame in EDI and halts.</summary>
    private static TestGuest GuestWithNmHandler()
    {
        var g = PrivilegeTests.GuestWithFaultHandlers();
        g.SetGate(7, NmHandler, 0xF);
        g.Load(NmHandler, a =>
        {
            a.mov(edi, __dword_ptr[esp]);
            a.mov(ebp, 7);
            a.hlt();
        });
        g.Memory.Fill(Area - 0x10, 0x220, Fill);
        return g;
    }

    // Instructions by name, each with its memory operand at Area: name, bytes of WAIT merged in front (Iced's FINIT etc.).
    public static TheoryData<string, uint> X87Instructions => new()
    {
        { "fninit", 0 }, { "finit", 1 }, { "fnstsw m", 0 }, { "fstsw m", 1 }, { "fnstsw ax", 0 }, { "fstsw ax", 1 },
        { "fnstcw m", 0 }, { "fstcw m", 1 }, { "fldcw m", 0 }, { "fnclex", 0 }, { "fnsave m", 0 }, { "fsave m", 1 },
        { "frstor m", 0 }, { "fnstenv m", 0 }, { "fldenv m", 0 },
        { "fld m32", 0 }, { "fadd st0,st1", 0 }, { "fsqrt", 0 }, { "fistp m32", 0 }, { "fcmovb", 0 }, { "fxch", 0 },
    };

    private static void Emit(Assembler a, string name)
    {
        switch (name)
        {
            case "fninit": a.fninit(); break;
            case "finit": a.finit(); break;
            case "fnstsw m": a.fnstsw(__word_ptr[Area]); break;
            case "fstsw m": a.fstsw(__word_ptr[Area]); break;
            case "fnstsw ax": a.fnstsw(ax); break;
            case "fstsw ax": a.fstsw(ax); break;
            case "fnstcw m": a.fnstcw(__word_ptr[Area]); break;
            case "fstcw m": a.fstcw(__word_ptr[Area]); break;
            case "fldcw m": a.fldcw(__word_ptr[Area]); break;
            case "fnclex": a.fnclex(); break;
            case "fnsave m": a.fnsave(__[Area]); break;
            case "fsave m": a.fsave(__[Area]); break;
            case "frstor m": a.frstor(__[Area]); break;
            case "fnstenv m": a.fnstenv(__[Area]); break;
            case "fldenv m": a.fldenv(__[Area]); break;
            case "fld m32": a.fld(__dword_ptr[Area]); break;
            case "fadd st0,st1": a.fadd(st0, st1); break;
            case "fsqrt": a.fsqrt(); break;
            case "fistp m32": a.fistp(__dword_ptr[Area]); break;
            case "fcmovb": a.fcmovb(st0, st1); break;
            case "fxch": a.fxch(st0, st1); break;
            case "fxsave m": a.fxsave(__[Area]); break;
            case "fxrstor m": a.fxrstor(__[Area]); break;
            case "fwait": a.wait(); break;
            default: throw new ArgumentException(name);
        }
    }

    private static bool IsState(string name) =>
        name is "fninit" or "finit" or "fnstsw m" or "fstsw m" or "fnstsw ax" or "fstsw ax" or "fnstcw m" or "fstcw m"
            or "fldcw m" or "fnclex" or "fnsave m" or "fsave m" or "frstor m" or "fnstenv m" or "fldenv m";

    private static bool AreaUntouched(TestGuest g)
    {
        foreach (byte b in g.Memory.ReadOnlySpan(Area - 0x10, 0x220))
        {
            if (b != Fill)
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void Cpuid_offers_fxsr_but_no_fpu_mmx_or_sse()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(eax, 1);
            a.cpuid();
            a.hlt();
        });
        g.RunToHalt();
        uint edx = g.Cpu.Edx;
        Assert.Equal(0u, edx & 1);              // FPU
        Assert.Equal(1u << 24, edx & (1u << 24)); // FXSR
        Assert.Equal(0u, edx & (1u << 23));     // MMX
        Assert.Equal(0u, edx & (3u << 25));     // SSE, SSE2
        Assert.Equal(0u, g.Cpu.Ecx);            // SSE3 and the rest
    }

    [Fact]
    public void Linux_fpu_detect_finds_no_fpu_before_the_guest_has_an_idt()
    {
        // arch/x86/kernel/i387.c fpu_detect(): fsw = fcw = 0xffff; fninit; fnstsw; fnstcw; an FPU
        // is there if fsw == 0 and (fcw & 0x103f) == 0x003f.
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(__word_ptr[Area], 0xFFFF);
            a.mov(__word_ptr[Area + 2], 0xFFFF);
            a.mov(eax, 0x1234);
            a.fninit();
            a.fnstsw(__word_ptr[Area]);
            a.fnstcw(__word_ptr[Area + 2]);
            a.fnstsw(ax);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(0xFFFF, g.Memory.ReadU16(Area));
        Assert.Equal(0xFFFF, g.Memory.ReadU16(Area + 2));
        Assert.Equal(0x1234u, g.Cpu.Eax);
    }

    [Theory]
    [MemberData(nameof(X87Instructions))]
    [InlineData("fxsave m", 0u)]
    [InlineData("fxrstor m", 0u)]
    public void A_processs_x87_instruction_raises_nm_for_the_math_emulator_and_changes_nothing(string name, uint waitBytes)
    {
        var g = GuestWithNmHandler();
        g.StartInUserMode(a => Emit(a, name));
        g.Cpu.Eax = 0x1234;
        g.RunToHalt();
        Assert.Equal(7u, g.Cpu.Ebp);
        Assert.Equal(TestGuest.UserCode + waitBytes, g.Cpu.Edi); // a merged WAIT completed: the frame is at the x87 part
        Assert.True(AreaUntouched(g));
        Assert.Equal(0x1234u & 0xFFFF, g.Cpu.Eax & 0xFFFF);
        // 6 instructions to enter ring 3, the WAIT if any, the handler's 3: exact to the instruction
        Assert.Equal(6 + waitBytes + 3, g.Cpu.Retired);
    }

    [Theory]
    [MemberData(nameof(X87Instructions))]
    [InlineData("fxsave m", 0u)]
    [InlineData("fxrstor m", 0u)]
    public void With_ts_set_an_x87_instruction_in_the_kernel_raises_nm_at_the_instruction(string name, uint waitBytes)
    {
        _ = waitBytes; // with TS set the WAIT itself faults
        var g = GuestWithNmHandler();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.Ts, Cpu.Cr0Ts, 0, 0, 0), out _));
        g.LoadCode(a => Emit(a, name));
        g.RunToHalt();
        Assert.Equal(7u, g.Cpu.Ebp);
        Assert.Equal(TestGuest.CodeBase, g.Cpu.Edi);
        Assert.True(AreaUntouched(g));
        Assert.Equal(3ul, g.Cpu.Retired);
    }

    [Theory]
    [MemberData(nameof(X87Instructions))]
    [InlineData("fxsave m", 0u)]
    [InlineData("fxrstor m", 0u)]
    public void In_the_kernel_with_ts_clear_the_state_instructions_find_no_coprocessor(string name, uint waitBytes)
    {
        _ = waitBytes;
        var g = GuestWithNmHandler();
        g.LoadCode(a =>
        {
            a.mov(eax, 0x1234);
            Emit(a, name);
            a.mov(ebx, 0xD0E);
            a.hlt();
        });
        RunExit exit = g.Run();
        if (IsState(name) || name is "fxsave m" or "fxrstor m")
        {
            Assert.Equal(ExitReason.Halt, exit.Reason);
            Assert.Equal(0xD0Eu, g.Cpu.Ebx);
            Assert.Equal(0x1234u, g.Cpu.Eax);
            Assert.True(AreaUntouched(g));
            return;
        }

        // arithmetic in the kernel cannot be emulated: the guest stops, naming the instruction
        Assert.Equal(ExitReason.Fault, exit.Reason);
        Assert.Contains("x87 arithmetic in the guest kernel", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
        Assert.Equal(TestGuest.CodeBase + 5, g.Cpu.Fault.Eip);
    }

    [Fact]
    public void Fwait_waits_for_nothing_unless_ts_is_set()
    {
        var g = GuestWithNmHandler();
        g.LoadCode(a =>
        {
            a.wait();
            a.clts();
            a.wait();
            a.mov(eax, Hypercalls.Ts);
            a.mov(ebx, Cpu.Cr0Ts);
            a.@int(Hypercalls.TrapEntryVector);
            a.wait();                              // at CodeBase + 16
            a.hlt();
        });
        RunExit exit = g.Run();
        Assert.Equal(ExitReason.Hypercall, exit.Reason);
        Assert.True(g.Cpu.TryServeLocalHypercall(g.Cpu.PendingHypercall, out _));
        Assert.True(g.Cpu.TaskSwitched);
        g.RunToHalt();
        Assert.Equal(7u, g.Cpu.Ebp);
        Assert.Equal(TestGuest.CodeBase + 16, g.Cpu.Edi);
    }

    [Fact]
    public void Clts_and_a_cr0_write_change_ts_and_cr0_shows_it()
    {
        var g = new TestGuest();
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.Ts, Cpu.Cr0Ts, 0, 0, 0), out _));
        g.LoadCode(a =>
        {
            a.mov(ebx, cr0);
            a.clts();
            a.mov(ecx, cr0);
            a.mov(eax, Cpu.Cr0Ts);
            a.mov(cr0, eax);
            a.mov(edx, cr0);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(Cpu.Cr0Ts, g.Cpu.Ebx & Cpu.Cr0Ts);
        Assert.Equal(0u, g.Cpu.Ecx & Cpu.Cr0Ts);
        Assert.Equal(0u, g.Cpu.Ecx & Cpu.Cr0Em); // EM is clear in ring 1
        Assert.Equal(Cpu.Cr0Ts, g.Cpu.Edx & Cpu.Cr0Ts);
        Assert.True(g.Cpu.TaskSwitched);
    }

    [Fact]
    public void Fxsave_off_a_16_byte_boundary_is_a_gp()
    {
        var g = GuestWithNmHandler();
        g.LoadCode(a => a.fxsave(__[Area + 8]));
        g.RunToHalt();
        Assert.Equal(13u, g.Cpu.Ebp);
        Assert.Equal(0u, g.Cpu.Esi);
        Assert.True(AreaUntouched(g));
    }

    public static TheoryData<string> SimdInstructions => new() { "emms", "paddb mm0,mm1", "movaps", "ldmxcsr", "cvtsi2ss", "xsave", "movd mm0,eax" };

    [Theory]
    [MemberData(nameof(SimdInstructions))]
    public void Mmx_sse_and_xsave_which_cpuid_does_not_offer_are_ud(string name)
    {
        var g = PrivilegeTests.GuestWithFaultHandlers();
        g.LoadCode(a =>
        {
            switch (name)
            {
                case "emms": a.emms(); break;
                case "paddb mm0,mm1": a.paddb(mm0, mm1); break;
                case "movaps": a.movaps(xmm0, xmm1); break;
                case "ldmxcsr": a.ldmxcsr(__dword_ptr[Area]); break;
                case "cvtsi2ss": a.cvtsi2ss(xmm0, eax); break;
                case "xsave": a.xsave(__[Area]); break;
                case "movd mm0,eax": a.movd(mm0, eax); break;
                default: throw new ArgumentException(name);
            }
        });
        g.RunToHalt();
        Assert.Equal(6u, g.Cpu.Ebp);
        Assert.Equal(TestGuest.CodeBase, g.Cpu.Edi);
    }
}
