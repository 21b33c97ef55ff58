using LguestActors.Cpu.Decode;
using LguestActors.Cpu.Lguest;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// Flag and system instructions: CLC STC CMC CLD STD, CLI STI (virtual IF), CPUID, RDTSC, HLT,
/// INT n / INT3 / INTO / IRET, the hypercall traps (int 0x1f and vmcall), IN/OUT, INVLPG, CLTS,
/// WBINVD/INVD, VERR/VERW, UD2. The ones the hardware reserves for ring 0 are let through in
/// lguest's ring-1 kernel (as lguest's host emulated or tolerated them) and are #GP(0) in ring 3.
/// </summary>
internal static unsafe class SystemOps
{
    public static void Nop(Cpu c, ref Op o)
    {
    }

    public static void Ud(Cpu c, ref Op o) => throw new GuestTrap(Vectors.InvalidOpcode);

    public static void Gp(Cpu c, ref Op o) => throw new GuestTrap(Vectors.GeneralProtection, 0);

    public static void Clc(Cpu c, ref Op o) => c.SetArithFlags(c.ArithmeticFlags() & ~Cpu.CF);

    public static void Stc(Cpu c, ref Op o) => c.SetArithFlags(c.ArithmeticFlags() | Cpu.CF);

    public static void Cmc(Cpu c, ref Op o) => c.SetArithFlags(c.ArithmeticFlags() ^ Cpu.CF);

    public static void Cld(Cpu c, ref Op o) => c._eflags &= ~Cpu.DF;

    public static void Std(Cpu c, ref Op o) => c._eflags |= Cpu.DF;

    // CLI/STI need CPL <= IOPL, and IOPL is 0: ring 3 gets #GP.
    public static void Cli(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.SetInterruptsEnabled(false);
    }

    public static void Sti(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.SetInterruptsEnabled(true);
    }

    public static void PrivilegedNop(Cpu c, ref Op o) => c.RequireKernel();

    public static void Clts(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.TaskSwitched = false;
    }

    // VERR/VERW r/m16: ZF says whether the selector's segment is readable / writable from here.
    public static void Verr(Cpu c, ref Op o) => SetZf(c, c.VerifySegment((ushort)c.ReadOp0(ref o), write: false));

    public static void Verw(Cpu c, ref Op o) => SetZf(c, c.VerifySegment((ushort)c.ReadOp0(ref o), write: true));

    private static void SetZf(Cpu c, bool on)
    {
        uint flags = c.ArithmeticFlags() & ~Cpu.ZF;
        c.SetArithFlags(on ? flags | Cpu.ZF : flags);
    }

    // "LguestActors" as the vendor string; family 6, with only what is emulated: PSE, TSC, CX8,
    // CMOV and FXSR; no FPU (Execute/X87.cs), MMX or SSE.
    public static void Cpuid(Cpu c, ref Op o)
    {
        switch (c.R[0])
        {
            case 0:
                c.R[0] = 1;
                c.R[3] = 'L' | ('g' << 8) | ('u' << 16) | ((uint)'e' << 24);
                c.R[2] = 's' | ('t' << 8) | ('A' << 16) | ((uint)'c' << 24);
                c.R[1] = 't' | ('o' << 8) | ('r' << 16) | ((uint)'s' << 24);
                break;
            case 1:
                c.R[0] = 0x00000633;
                c.R[3] = 0;
                c.R[1] = 0;
                c.R[2] = (1u << 3) | (1u << 4) | (1u << 8) | (1u << 15) | (1u << 24);
                break;
            case 0x80000000:
                c.R[0] = 0x80000000;
                c.R[3] = c.R[1] = c.R[2] = 0;
                break;
            default:
                c.R[0] = c.R[3] = c.R[1] = c.R[2] = 0;
                break;
        }
    }

    // The owner's time source (Cpu.Tsc), which also sets lguest_data.tsc_khz.
    public static void Rdtsc(Cpu c, ref Op o)
    {
        ulong tsc = c.Tsc.Read(c.RetiredNow);
        c.R[0] = (uint)tsc;
        c.R[2] = (uint)(tsc >> 32);
    }

    public static void Pause(Cpu c, ref Op o) => c.OnPause(o.Eip);

    public static void Hlt(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.EnterHalt();
    }

    // Outside VMX operation VMCALL is #UD; the ring-1 kernel may use it as the hypercall trap.
    public static void Vmcall(Cpu c, ref Op o)
    {
        if (c.UserMode)
        {
            throw new GuestTrap(Vectors.InvalidOpcode);
        }
        c.RequestHypercall();
    }

    public static void Int(Cpu c, ref Op o) => c.SoftwareInterrupt((int)(o.Imm & 0xFF), o.Next);

    public static void Int3(Cpu c, ref Op o) => c.SoftwareInterrupt(Vectors.Breakpoint, o.Next);

    public static void Into(Cpu c, ref Op o)
    {
        if (c.GetOF())
        {
            c.SoftwareInterrupt(Vectors.Overflow, o.Next);
            return;
        }
        c._eip = o.Next;
    }

    public static void Iret(Cpu c, ref Op o) => c.InterruptReturn();

    // lguest gave the guest kernel no I/O ports (its host answered the GP: reads see all ones,
    // writes go nowhere); ring 3 has IOPL 0 and no I/O bitmap: #GP.
    public static void In(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.SetReg(o.R0, o.Size, 0xFFFFFFFF);
    }

    public static void Out(Cpu c, ref Op o) => c.RequireKernel();

    public static void Invlpg(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.FlushTlb();
    }
}
