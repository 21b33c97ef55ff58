using Iced.Intel;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// CMP / TEST / SUB / AND / ADD on a 32-bit register (with a register, an immediate or memory)
/// followed by Jcc, run as one op: gcc ends most loops and ifs that way, and the pair then
/// costs one dispatch instead of two. The op records the flags exactly as the ALU op alone
/// would (they stay live after the branch) and retires as two instructions; the run loop uses
/// it only when the whole block fits the budget (<see cref="Block.FastOps"/>).
/// </summary>
internal static unsafe class Fused
{
    /// <summary>The fused handler for <paramref name="alu"/> described by <paramref name="o"/> and condition <paramref name="cc"/>, or null.</summary>
    public static delegate*<Cpu, ref Op, void> Select(Mnemonic alu, ref Op o, int cc)
    {
        if (o.Size != 4 || o.K0 != Kind.Reg)
        {
            return null;
        }
        return alu switch
        {
            Mnemonic.Cmp => ForAlu<Alu.CmpOp>(o.K1, cc),
            Mnemonic.Test => ForAlu<Alu.TestOp>(o.K1, cc),
            Mnemonic.Sub => ForAlu<Alu.SubOp>(o.K1, cc),
            Mnemonic.And => ForAlu<Alu.AndOp>(o.K1, cc),
            Mnemonic.Add => ForAlu<Alu.AddOp>(o.K1, cc),
            _ => null,
        };
    }

    private static delegate*<Cpu, ref Op, void> ForAlu<T>(byte k1, int cc) where T : struct, Alu.IAluOp => cc switch
    {
        0 => ForCond<T, CondO>(k1),
        1 => ForCond<T, CondNO>(k1),
        2 => ForCond<T, CondB>(k1),
        3 => ForCond<T, CondAE>(k1),
        4 => ForCond<T, CondE>(k1),
        5 => ForCond<T, CondNE>(k1),
        6 => ForCond<T, CondBE>(k1),
        7 => ForCond<T, CondA>(k1),
        8 => ForCond<T, CondS>(k1),
        9 => ForCond<T, CondNS>(k1),
        10 => ForCond<T, CondP>(k1),
        11 => ForCond<T, CondNP>(k1),
        12 => ForCond<T, CondL>(k1),
        13 => ForCond<T, CondGE>(k1),
        14 => ForCond<T, CondLE>(k1),
        _ => ForCond<T, CondG>(k1),
    };

    private static delegate*<Cpu, ref Op, void> ForCond<T, TC>(byte k1)
        where T : struct, Alu.IAluOp
        where TC : struct, ICond => k1 switch
    {
        Kind.Reg => &RR<T, TC>,
        Kind.Imm => &RI<T, TC>,
        Kind.Mem => &RM<T, TC>,
        _ => null,
    };

    private static void RR<T, TC>(Cpu c, ref Op o)
        where T : struct, Alu.IAluOp
        where TC : struct, ICond
    {
        uint r = T.Do(c, c.R[o.R0], c.R[o.R1], 4);
        if (T.Writes)
        {
            c.R[o.R0] = r;
        }
        c._eip = c.CondFast(TC.Cc) ? o.Imm2 : o.Next;
    }

    private static void RI<T, TC>(Cpu c, ref Op o)
        where T : struct, Alu.IAluOp
        where TC : struct, ICond
    {
        uint r = T.Do(c, c.R[o.R0], o.Imm, 4);
        if (T.Writes)
        {
            c.R[o.R0] = r;
        }
        c._eip = c.CondFast(TC.Cc) ? o.Imm2 : o.Next;
    }

    private static void RM<T, TC>(Cpu c, ref Op o)
        where T : struct, Alu.IAluOp
        where TC : struct, ICond
    {
        uint r = T.Do(c, c.R[o.R0], c.Read32(c.Ea(ref o)), 4);
        if (T.Writes)
        {
            c.R[o.R0] = r;
        }
        c._eip = c.CondFast(TC.Cc) ? o.Imm2 : o.Next;
    }
}
