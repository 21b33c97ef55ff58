using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// MUL, IMUL (one, two and three operands), DIV, IDIV. CF and OF say whether the product
/// overflowed the destination; SF ZF PF follow the low half (the SDM leaves them undefined);
/// divide by zero and a quotient that does not fit raise #DE.
/// </summary>
internal static unsafe class MulDiv
{
    public static void Mul(Cpu c, ref Op o)
    {
        ulong src = c.ReadOp0(ref o);
        int bits = o.Size * 8;
        ulong p = src * c.GetReg(0, o.Size);
        WriteWide(c, o.Size, p);
        SetMulFlags(c, (uint)p, o.Size, (p >> bits) != 0);
    }

    public static void Imul1(Cpu c, ref Op o)
    {
        long src = (int)Cpu.SignExtend(c.ReadOp0(ref o), o.Size);
        long acc = (int)Cpu.SignExtend(c.GetReg(0, o.Size), o.Size);
        long p = src * acc;
        WriteWide(c, o.Size, (ulong)p);
        SetMulFlags(c, (uint)p, o.Size, p != (int)Cpu.SignExtend((uint)p, o.Size));
    }

    public static void Imul2(Cpu c, ref Op o)
    {
        long a = (int)Cpu.SignExtend(c.GetReg(o.R0, o.Size), o.Size);
        long b = (int)Cpu.SignExtend(c.ReadOp1(ref o), o.Size);
        StoreImul(c, ref o, a * b);
    }

    public static void Imul3(Cpu c, ref Op o)
    {
        long a = (int)Cpu.SignExtend(c.ReadOp1(ref o), o.Size);
        long b = (int)Cpu.SignExtend(o.Imm2, o.Size);
        StoreImul(c, ref o, a * b);
    }

    private static void StoreImul(Cpu c, ref Op o, long p)
    {
        c.SetReg(o.R0, o.Size, (uint)p);
        SetMulFlags(c, (uint)p, o.Size, p != (int)Cpu.SignExtend((uint)p, o.Size));
    }

    private static void WriteWide(Cpu c, int size, ulong p)
    {
        switch (size)
        {
            case 1:
                c.SetReg(0, 2, (uint)p & 0xFFFF);
                break;
            case 2:
                c.SetReg(0, 2, (uint)p);
                c.SetReg(2, 2, (uint)(p >> 16));
                break;
            default:
                c.R[0] = (uint)p;
                c.R[2] = (uint)(p >> 32);
                break;
        }
    }

    private static void SetMulFlags(Cpu c, uint low, int size, bool overflow) =>
        c.SetArithFlags(Cpu.ResultFlags(low, size) | (overflow ? Cpu.CF | Cpu.OF : 0));

    public static void Div(Cpu c, ref Op o)
    {
        ulong divisor = c.ReadOp0(ref o);
        if (divisor == 0)
        {
            throw new GuestTrap(Vectors.DivideError);
        }
        ulong dividend = ReadWide(c, o.Size);
        ulong q = dividend / divisor;
        ulong rem = dividend % divisor;
        if (q > Cpu.SizeMask(o.Size))
        {
            throw new GuestTrap(Vectors.DivideError);
        }
        StoreDiv(c, o.Size, (uint)q, (uint)rem);
    }

    public static void Idiv(Cpu c, ref Op o)
    {
        long divisor = (int)Cpu.SignExtend(c.ReadOp0(ref o), o.Size);
        if (divisor == 0)
        {
            throw new GuestTrap(Vectors.DivideError);
        }
        ulong raw = ReadWide(c, o.Size);
        int bits = o.Size * 8;
        long dividend = bits == 32 ? (long)raw : (long)(raw << (64 - 2 * bits)) >> (64 - 2 * bits);
        if (dividend == long.MinValue && divisor == -1)
        {
            throw new GuestTrap(Vectors.DivideError);
        }
        long q = dividend / divisor;
        long rem = dividend % divisor;
        long max = (1L << (bits - 1)) - 1;
        if (q > max || q < -max - 1)
        {
            throw new GuestTrap(Vectors.DivideError);
        }
        StoreDiv(c, o.Size, (uint)q, (uint)rem);
    }

    private static ulong ReadWide(Cpu c, int size) => size switch
    {
        1 => c.R[0] & 0xFFFF,
        2 => ((c.R[2] & 0xFFFF) << 16) | (c.R[0] & 0xFFFF),
        _ => ((ulong)c.R[2] << 32) | c.R[0],
    };

    private static void StoreDiv(Cpu c, int size, uint q, uint rem)
    {
        switch (size)
        {
            case 1:
                c.SetReg(0, 1, q);
                c.SetReg(4, 1, rem);
                break;
            case 2:
                c.SetReg(0, 2, q);
                c.SetReg(2, 2, rem);
                break;
            default:
                c.R[0] = q;
                c.R[2] = rem;
                break;
        }
    }
}
