using System.Numerics;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// BT BTS BTR BTC (register and immediate bit offsets; with a register offset a memory operand
/// is a bit string, so the offset may reach outside the addressed word) and BSF BSR.
/// </summary>
internal static unsafe class Bits
{
    public static delegate*<Cpu, ref Op, void> SelectBt(ref Op o, byte kind)
    {
        o.Cc = kind;
        return &BitTest;
    }

    private static void BitTest(Cpu c, ref Op o)
    {
        int bits = o.Size * 8;
        uint ea = 0;
        int bit;
        if (o.K1 == Kind.Imm)
        {
            bit = (int)(o.Imm & (uint)(bits - 1));
            if (o.K0 == Kind.Mem)
            {
                ea = c.Ea(ref o);
            }
        }
        else
        {
            int offset = (int)Cpu.SignExtend(c.GetReg(o.R1, o.Size), o.Size);
            bit = offset & (bits - 1);
            if (o.K0 == Kind.Mem)
            {
                ea = c.Ea(ref o) + (uint)((offset >> (o.Size == 4 ? 5 : 4)) * o.Size);
            }
        }
        uint value = o.K0 == Kind.Reg ? c.GetReg(o.R0, o.Size) : c.ReadMem(ea, o.Size);
        uint m = 1u << bit;
        uint cf = (value & m) != 0 ? Cpu.CF : 0;
        uint result = o.Cc switch
        {
            1 => value | m,
            2 => value & ~m,
            3 => value ^ m,
            _ => value,
        };
        if (o.Cc != 0)
        {
            Alu.Store(c, ref o, ea, result);
        }
        c.SetArithFlags((c.ArithmeticFlags() & ~Cpu.CF) | cf);
    }

    public static void Bsf(Cpu c, ref Op o) => Scan(c, ref o, forward: true);

    public static void Bsr(Cpu c, ref Op o) => Scan(c, ref o, forward: false);

    private static void Scan(Cpu c, ref Op o, bool forward)
    {
        uint src = c.ReadOp1(ref o) & Cpu.SizeMask(o.Size);
        uint flags = c.ArithmeticFlags() & ~Cpu.ZF;
        if (src == 0)
        {
            // the destination keeps its value, as every processor since the 486 does
            c.SetArithFlags(flags | Cpu.ZF);
            return;
        }
        uint index = forward ? (uint)BitOperations.TrailingZeroCount(src) : (uint)(31 - BitOperations.LeadingZeroCount(src));
        c.SetReg(o.R0, o.Size, index);
        c.SetArithFlags(flags);
    }
}
