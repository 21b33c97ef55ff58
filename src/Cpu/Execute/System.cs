using LguestActors.Cpu.Decode;
using LguestActors.Cpu.Lguest;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// Flag and system instructions: CLC STC CMC CLD STD, CLI STI (virtual IF), CPUID, RDTSC, HLT,
/// INT n / INT3 / INTO / IRET, the hypercall traps (int 0x1f and vmcall), IN/OUT, INVLPG, UD2.
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

    public static void Cli(Cpu c, ref Op o) => c.SetInterruptsEnabled(false);

    public static void Sti(Cpu c, ref Op o) => c.SetInterruptsEnabled(true);

    // "LguestActors" as the vendor string; family 6, with only what is emulated: PSE, TSC, CX8, CMOV.
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
                c.R[2] = (1u << 3) | (1u << 4) | (1u << 8) | (1u << 15);
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

    public static void Hlt(Cpu c, ref Op o) => c.EnterHalt();

    public static void Pause(Cpu c, ref Op o) => c.OnPause(o.Eip);

    public static void Vmcall(Cpu c, ref Op o) => c.RequestHypercall();

    public static void Int(Cpu c, ref Op o)
    {
        if ((o.Imm & 0xFF) == Hypercalls.TrapEntryVector)
        {
            c._eip = o.Next;
            c.RequestHypercall();
            return;
        }
        c.Deliver((int)(o.Imm & 0xFF), false, 0, o.Next);
    }

    public static void Int3(Cpu c, ref Op o) => c.Deliver(Vectors.Breakpoint, false, 0, o.Next);

    public static void Into(Cpu c, ref Op o)
    {
        c._eip = o.Next;
        if (c.GetOF())
        {
            c.Deliver(Vectors.Overflow, false, 0, o.Next);
        }
    }

    public static void Iret(Cpu c, ref Op o)
    {
        uint sp = c.R[4];
        uint eip = c.Read32(sp);
        uint cs = c.Read32(sp + 4);
        uint flags = c.Read32(sp + 8);
        c.R[4] = sp + 12;
        c.Selectors[1] = (ushort)cs;
        c._eip = eip;
        c.PoppedFlags(flags, 4);
    }

    // lguest gave the guest no I/O ports: reads see all ones, writes go nowhere.
    public static void In(Cpu c, ref Op o) => c.SetReg(o.R0, o.Size, 0xFFFFFFFF);

    public static void Out(Cpu c, ref Op o)
    {
    }

    public static void Invlpg(Cpu c, ref Op o) => c.FlushTlb();
}
