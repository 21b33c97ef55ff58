using Iced.Intel;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// JMP CALL RET (near, direct and indirect, RET imm16), Jcc, LOOP LOOPE LOOPNE, JECXZ. Each sets
/// EIP on every path, taken or not (<see cref="Op.SetsEip"/>): the run loop does not.
/// </summary>
internal static unsafe class Control
{
    public static delegate*<Cpu, ref Op, void> SelectJmp(in Instruction i, ref Op o)
    {
        if (i.IsJmpFar || i.IsJmpFarIndirect)
        {
            return null;
        }
        return o.K0 == Kind.Imm ? &Jmp : &JmpIndirect;
    }

    public static delegate*<Cpu, ref Op, void> SelectCall(in Instruction i, ref Op o)
    {
        if (i.IsCallFar || i.IsCallFarIndirect)
        {
            return null;
        }
        return o.K0 == Kind.Imm ? &Call : &CallIndirect;
    }

    private static void Jmp(Cpu c, ref Op o) => c._eip = o.Imm;

    private static void JmpIndirect(Cpu c, ref Op o) => c._eip = c.ReadOp0(ref o);

    public static delegate*<Cpu, ref Op, void> SelectJcc(int cc) => cc switch
    {
        0 => &Jcc<CondO>,
        1 => &Jcc<CondNO>,
        2 => &Jcc<CondB>,
        3 => &Jcc<CondAE>,
        4 => &Jcc<CondE>,
        5 => &Jcc<CondNE>,
        6 => &Jcc<CondBE>,
        7 => &Jcc<CondA>,
        8 => &Jcc<CondS>,
        9 => &Jcc<CondNS>,
        10 => &Jcc<CondP>,
        11 => &Jcc<CondNP>,
        12 => &Jcc<CondL>,
        13 => &Jcc<CondGE>,
        14 => &Jcc<CondLE>,
        _ => &Jcc<CondG>,
    };

    // One handler per condition: the JIT folds CondFast down to the one comparison it needs.
    private static void Jcc<T>(Cpu c, ref Op o) where T : struct, ICond
    {
        c._eip = c.CondFast(T.Cc) ? o.Imm : o.Next;
    }

    private static void Call(Cpu c, ref Op o)
    {
        c.Push32(o.Next);
        c._eip = o.Imm;
    }

    private static void CallIndirect(Cpu c, ref Op o)
    {
        uint target = c.ReadOp0(ref o);
        c.Push32(o.Next);
        c._eip = target;
    }

    public static void Ret(Cpu c, ref Op o) => c._eip = c.Pop32();

    public static void RetImm(Cpu c, ref Op o)
    {
        uint target = c.Read32(c.R[4]);
        c.R[4] += 4 + (o.Imm & 0xFFFF);
        c._eip = target;
    }

    public static void Loop(Cpu c, ref Op o)
    {
        c._eip = --c.R[1] != 0 ? o.Imm : o.Next;
    }

    public static void Loope(Cpu c, ref Op o)
    {
        c._eip = --c.R[1] != 0 && c.GetZF() ? o.Imm : o.Next;
    }

    public static void Loopne(Cpu c, ref Op o)
    {
        c._eip = --c.R[1] != 0 && !c.GetZF() ? o.Imm : o.Next;
    }

    public static void Jecxz(Cpu c, ref Op o)
    {
        c._eip = c.R[1] == 0 ? o.Imm : o.Next;
    }

    public static void Jcxz(Cpu c, ref Op o)
    {
        c._eip = (c.R[1] & 0xFFFF) == 0 ? o.Imm : o.Next;
    }
}
