using System.Buffers.Binary;
using Iced.Intel;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>MOV and friends: MOVZX MOVSX LEA XCHG CMPXCHG XADD BSWAP CBW/CWD, SETcc CMOVcc, LAHF SAHF XLAT, segment and control registers.</summary>
internal static unsafe class Moves
{
    public static delegate*<Cpu, ref Op, void> SelectMov(in Instruction i, ref Op o)
    {
        if (i.Op0Kind == OpKind.Register && i.Op0Register.IsSegmentRegister())
        {
            return &MovToSreg;
        }
        if (i.OpCount > 1 && i.Op1Kind == OpKind.Register && i.Op1Register.IsSegmentRegister())
        {
            return &MovFromSreg;
        }
        if (i.Op0Kind == OpKind.Register && i.Op0Register.IsCR())
        {
            return &MovToCr;
        }
        if (i.OpCount > 1 && i.Op1Kind == OpKind.Register && i.Op1Register.IsCR())
        {
            return &MovFromCr;
        }
        if (i.Op0Kind == OpKind.Register && i.Op0Register.IsDR())
        {
            return &MovToDr;
        }
        if (i.OpCount > 1 && i.Op1Kind == OpKind.Register && i.Op1Register.IsDR())
        {
            return &MovFromDr;
        }
        if (o.Size == 4)
        {
            if (o.K0 == Kind.Reg)
            {
                return o.K1 switch
                {
                    Kind.Reg => &MovRR32,
                    Kind.Imm => &MovRI32,
                    _ => &MovRM32,
                };
            }
            return o.K1 == Kind.Reg ? &MovMR32 : &MovMI32;
        }
        if (o.Size == 1 && o.K0 == Kind.Mem)
        {
            return o.K1 == Kind.Reg ? &MovMR8 : o.K1 == Kind.Imm ? &MovMI8 : &Mov;
        }
        return &Mov;
    }

    public static delegate*<Cpu, ref Op, void> SelectLea(ref Op o)
    {
        o.Seg = 0; // LEA computes an offset; segment bases play no part
        return o.Size == 4 ? &Lea32 : &Lea;
    }

    private static void MovRR32(Cpu c, ref Op o) => c.R[o.R0] = c.R[o.R1];

    private static void MovRI32(Cpu c, ref Op o) => c.R[o.R0] = o.Imm;

    private static void MovRM32(Cpu c, ref Op o) => c.R[o.R0] = c.Read32(c.Ea(ref o));

    private static void MovMR32(Cpu c, ref Op o) => c.Write32(c.Ea(ref o), c.R[o.R1]);

    private static void MovMI32(Cpu c, ref Op o) => c.Write32(c.Ea(ref o), o.Imm);

    private static void MovMR8(Cpu c, ref Op o) => c.Write8(c.Ea(ref o), c.GetReg(o.R1, 1));

    private static void MovMI8(Cpu c, ref Op o) => c.Write8(c.Ea(ref o), o.Imm);

    private static void Mov(Cpu c, ref Op o) => c.WriteOp0(ref o, c.ReadOp1(ref o));

    private static void Lea32(Cpu c, ref Op o) => c.R[o.R0] = c.R[o.Base] + (c.R[o.Index] << o.Scale) + o.Disp;

    private static void Lea(Cpu c, ref Op o) => c.SetReg(o.R0, o.Size, c.R[o.Base] + (c.R[o.Index] << o.Scale) + o.Disp);

    public static delegate*<Cpu, ref Op, void> SelectMovzx(ref Op o)
    {
        if (o.Size == 4 && o.K1 == Kind.Mem)
        {
            return o.Size1 == 1 ? &MovzxRM8 : &MovzxRM16;
        }
        return &Movzx;
    }

    private static void MovzxRM8(Cpu c, ref Op o) => c.R[o.R0] = c.Read8(c.Ea(ref o));

    private static void MovzxRM16(Cpu c, ref Op o) => c.R[o.R0] = c.Read16(c.Ea(ref o));

    public static void Movzx(Cpu c, ref Op o) => c.SetReg(o.R0, o.Size, c.ReadOp1(ref o));

    public static void Movsx(Cpu c, ref Op o) => c.SetReg(o.R0, o.Size, Cpu.SignExtend(c.ReadOp1(ref o), o.Size1));

    public static void Xchg(Cpu c, ref Op o)
    {
        // XCHG r/m, r (Iced may put the memory operand either side; operand 0 is r/m or a register)
        uint a = c.ReadOp0(ref o);
        uint b = c.GetReg(o.R1, o.Size);
        if (o.K1 == Kind.Mem)
        {
            uint ea = c.Ea(ref o);
            b = c.ReadMem(ea, o.Size);
            c.WriteMem(ea, o.Size, a);
            c.SetReg(o.R0, o.Size, b);
            return;
        }
        c.WriteOp0(ref o, b);
        c.SetReg(o.R1, o.Size, a);
    }

    public static void Cmpxchg(Cpu c, ref Op o)
    {
        uint dest = c.ReadOp0(ref o);
        uint acc = c.GetReg(0, o.Size);
        uint src = c.GetReg(o.R1, o.Size);
        uint mask = Cpu.SizeMask(o.Size);
        if ((dest & mask) == (acc & mask))
        {
            c.WriteOp0(ref o, src);
        }
        else
        {
            if (o.K0 == Kind.Mem)
            {
                c.WriteOp0(ref o, dest); // the processor always writes the destination
            }
            c.SetReg(0, o.Size, dest);
        }
        c.SetLazy(LazyOp.Sub, acc, dest, acc - dest, o.Size);
    }

    // CMPXCHG8B m64: EDX:EAX against memory; on a match ECX:EBX is stored. Only ZF changes.
    public static void Cmpxchg8b(Cpu c, ref Op o)
    {
        uint ea = c.Ea(ref o);
        uint lo = c.Read32(ea);
        uint hi = c.Read32(ea + 4);
        bool equal = lo == c.R[0] && hi == c.R[2];
        if (equal)
        {
            c.Write32(ea, c.R[3]);
            c.Write32(ea + 4, c.R[1]);
        }
        else
        {
            c.Write32(ea, lo); // the processor always writes the destination
            c.Write32(ea + 4, hi);
            c.R[0] = lo;
            c.R[2] = hi;
        }
        uint flags = c.ArithmeticFlags() & ~Cpu.ZF;
        c.SetArithFlags(equal ? flags | Cpu.ZF : flags);
    }

    public static void Xadd(Cpu c, ref Op o)
    {
        uint dest = c.ReadOp0(ref o);
        uint src = c.GetReg(o.R1, o.Size);
        uint sum = dest + src;
        c.WriteOp0(ref o, sum);
        c.SetReg(o.R1, o.Size, dest);
        c.SetLazy(LazyOp.Add, dest, src, sum, o.Size);
    }

    public static void Bswap(Cpu c, ref Op o) => c.R[o.R0] = BinaryPrimitives.ReverseEndianness(c.R[o.R0]);

    // The operand size is in the mnemonic, not in an operand: CBW/CWD are the 16-bit forms.
    public static void Cbw(Cpu c, ref Op o) => c.SetReg(0, 2, (uint)(sbyte)c.R[0]);

    public static void Cwde(Cpu c, ref Op o) => c.R[0] = (uint)(short)c.R[0];

    public static void Cwd(Cpu c, ref Op o) => c.SetReg(2, 2, (short)c.R[0] < 0 ? 0xFFFFu : 0);

    public static void Cdq(Cpu c, ref Op o) => c.R[2] = (int)c.R[0] < 0 ? 0xFFFFFFFF : 0;

    public static void Setcc(Cpu c, ref Op o) => c.WriteOp0(ref o, c.Cond(o.Cc) ? 1u : 0u);

    public static void Cmov(Cpu c, ref Op o)
    {
        // The source is read (and may fault) whether or not the condition holds.
        uint v = c.ReadOp1(ref o);
        if (c.Cond(o.Cc))
        {
            c.SetReg(o.R0, o.Size, v);
        }
    }

    public static void Lahf(Cpu c, ref Op o) => c.SetReg(4, 1, (c.Eflags & 0xD5) | 0x2);

    public static void Sahf(Cpu c, ref Op o)
    {
        uint ah = c.GetReg(4, 1);
        c.SetArithFlags((c.ArithmeticFlags() & Cpu.OF) | (ah & 0xD5));
    }

    public static void Xlat(Cpu c, ref Op o) => c.SetReg(0, 1, c.Read8(c.R[3] + (c.R[0] & 0xFF) + c.SegBase[o.Seg]));

    private static void MovToSreg(Cpu c, ref Op o)
    {
        ushort sel = (ushort)(o.K1 == Kind.Reg ? c.GetReg(o.R1, 2) : c.Read16(c.Ea(ref o)));
        c.LoadSegment(o.R0, sel);
    }

    private static void MovFromSreg(Cpu c, ref Op o)
    {
        uint sel = c.Selectors[o.R1];
        if (o.K0 == Kind.Reg)
        {
            c.SetReg(o.R0, o.Size, sel);
        }
        else
        {
            c.Write16(c.Ea(ref o), sel);
        }
    }

    // Control and debug registers: ring 0 on the hardware; the ring-1 kernel is let through
    // (it used them before lguest paravirtualised them), ring 3 gets #GP(0).
    private static void MovToCr(Cpu c, ref Op o)
    {
        c.RequireKernel();
        uint v = c.R[o.R1];
        switch (o.R0)
        {
            case 0: c.TaskSwitched = (v & Cpu.Cr0Ts) != 0; break; // the rest of CR0 is fixed here
            case 2: c.Cr2 = v; break;
            case 3: c.LoadCr3(v); c._stop = true; break;
            default: break; // CR4 writes: PSE is the only mode here
        }
    }

    private static void MovFromCr(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.R[o.R0] = o.R1 switch
        {
            0 => c.Cr0,
            2 => c.Cr2,
            3 => c.Cr3,
            4 => 0x10u, // PSE
            _ => 0u,
        };
    }

    private static void MovToDr(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.WriteDebugRegister(o.R0, c.R[o.R1]);
    }

    private static void MovFromDr(Cpu c, ref Op o)
    {
        c.RequireKernel();
        c.R[o.R0] = c.ReadDebugRegister(o.R1);
    }
}
