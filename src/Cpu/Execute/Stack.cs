using Iced.Intel;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// PUSH POP (register, immediate, memory, segment), PUSHAD POPAD, PUSHFD POPFD, LEAVE ENTER.
/// ESP changes only after every access succeeded, so a faulting push or pop can be restarted.
/// </summary>
internal static unsafe class Stack
{
    public static delegate*<Cpu, ref Op, void> SelectPush(in Instruction i, ref Op o)
    {
        o.Size = (byte)Math.Max(2, -i.StackPointerIncrement);
        if (i.Op0Kind == OpKind.Register && i.Op0Register.IsSegmentRegister())
        {
            return &PushSreg;
        }
        return o.K0 == Kind.Reg && o.Size == 4 ? &PushReg32 : &Push;
    }

    public static delegate*<Cpu, ref Op, void> SelectPop(in Instruction i, ref Op o)
    {
        o.Size = (byte)Math.Max(2, i.StackPointerIncrement);
        if (i.Op0Kind == OpKind.Register && i.Op0Register.IsSegmentRegister())
        {
            return &PopSreg;
        }
        return o.K0 == Kind.Reg && o.Size == 4 ? &PopReg32 : &Pop;
    }

    private static void PushReg32(Cpu c, ref Op o) => c.Push32(c.R[o.R0]);

    private static void Push(Cpu c, ref Op o)
    {
        uint v = o.K0 switch
        {
            Kind.Reg => c.GetReg(o.R0, o.Size),
            Kind.Mem => c.ReadMem(c.Ea(ref o), o.Size),
            _ => o.Imm,
        };
        c.Push(v, o.Size);
    }

    private static void PushSreg(Cpu c, ref Op o) => c.Push(c.Selectors[o.R0], o.Size);

    private static void PopReg32(Cpu c, ref Op o)
    {
        uint v = c.Pop32();
        c.R[o.R0] = v;
    }

    private static void Pop(Cpu c, ref Op o)
    {
        uint old = c.R[4];
        uint v = c.Pop(o.Size);
        if (o.K0 == Kind.Reg)
        {
            c.SetReg(o.R0, o.Size, v);
            return;
        }
        try
        {
            // the address uses ESP as incremented by the pop, as on hardware
            c.WriteMem(c.Ea(ref o), o.Size, v);
        }
        catch (GuestTrap)
        {
            c.R[4] = old;
            throw;
        }
    }

    private static void PopSreg(Cpu c, ref Op o)
    {
        uint old = c.R[4];
        uint v = c.Pop(o.Size);
        try
        {
            c.LoadSegment(o.R0, (ushort)v);
        }
        catch (GuestTrap)
        {
            c.R[4] = old;
            throw;
        }
    }

    public static void Pushad(Cpu c, ref Op o)
    {
        int s = o.Size == 2 ? 2 : 4;
        uint sp = c.R[4];
        for (int r = 0; r < 8; r++)
        {
            c.WriteMem(sp - (uint)(s * (r + 1)), s, c.R[r]);
        }
        c.R[4] = sp - (uint)(8 * s);
    }

    public static void Popad(Cpu c, ref Op o)
    {
        int s = o.Size == 2 ? 2 : 4;
        uint sp = c.R[4];
        Span<uint> v = stackalloc uint[8];
        for (int r = 0; r < 8; r++)
        {
            v[r] = c.ReadMem(sp + (uint)(s * (7 - r)), s);
        }
        for (int r = 0; r < 8; r++)
        {
            if (r != 4)
            {
                c.SetReg(r, s, v[r]);
            }
        }
        c.R[4] = sp + (uint)(8 * s);
    }

    public static void Pushf(Cpu c, ref Op o) => c.Push(c.PushedFlags() & ~0x30000u, o.Size == 2 ? 2 : 4);

    public static void Popf(Cpu c, ref Op o)
    {
        int s = o.Size == 2 ? 2 : 4;
        c.PoppedFlags(c.Pop(s), s);
    }

    public static void Leave(Cpu c, ref Op o)
    {
        uint bp = c.R[5];
        uint v = c.Read32(bp);
        c.R[4] = bp + 4;
        c.R[5] = v;
    }

    public static void Enter(Cpu c, ref Op o)
    {
        uint size = o.Imm & 0xFFFF;
        int level = (int)(o.Imm2 & 31);
        uint sp = c.R[4];
        uint bp = c.R[5];
        uint p = sp - 4;
        c.Write32(p, bp);
        uint frame = p;
        if (level > 0)
        {
            for (int n = 1; n < level; n++)
            {
                p -= 4;
                c.Write32(p, c.Read32(bp - (uint)(4 * n)));
            }
            p -= 4;
            c.Write32(p, frame);
        }
        c.R[5] = frame;
        c.R[4] = p - size;
    }
}
