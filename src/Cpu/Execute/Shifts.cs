using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// ROL ROR RCL RCR SHL SHR SAR (by 1, imm8, CL) and SHLD SHRD. The count is masked to 5 bits;
/// a masked count of 0 changes nothing, flags included. Flags the SDM leaves undefined get a
/// fixed rule: OF as for a count of 1, AF cleared.
/// </summary>
internal static unsafe class Shifts
{
    public static delegate*<Cpu, ref Op, void> Select(ref Op o, byte kind)
    {
        o.Cc = kind;
        return &Shift;
    }

    private static void Shift(Cpu c, ref Op o)
    {
        int count = (int)((o.K1 == Kind.Reg ? c.R[1] : o.Imm) & 31);
        if (count == 0)
        {
            return;
        }
        uint ea = o.K0 == Kind.Mem ? c.Ea(ref o) : 0;
        uint a = o.K0 == Kind.Reg ? c.GetReg(o.R0, o.Size) : c.ReadMem(ea, o.Size);
        int bits = o.Size * 8;
        uint mask = Cpu.SizeMask(o.Size);
        uint sign = Cpu.SignBit(o.Size);
        uint r;
        uint flags;
        switch (o.Cc)
        {
            case 0: // ROL
            {
                int n = count & (bits - 1);
                r = n == 0 ? a : ((a << n) | (a >> (bits - n))) & mask;
                uint cf = r & 1;
                flags = Rotated(c, cf, ((r & sign) != 0 ? 1u : 0u) ^ cf);
                break;
            }
            case 1: // ROR
            {
                int n = count & (bits - 1);
                r = n == 0 ? a : ((a >> n) | (a << (bits - n))) & mask;
                uint msb = (r & sign) != 0 ? 1u : 0u;
                uint next = (r & (sign >> 1)) != 0 ? 1u : 0u;
                flags = Rotated(c, msb, msb ^ next);
                break;
            }
            case 2: // RCL: rotate the size+1 bit quantity CF:operand
            {
                int n = count % (bits + 1);
                ulong v = ((c.GetCF() ? 1ul : 0ul) << bits) | a;
                ulong all = (1ul << (bits + 1)) - 1;
                v = n == 0 ? v : ((v << n) | (v >> (bits + 1 - n))) & all;
                r = (uint)v & mask;
                uint cf = (uint)(v >> bits) & 1;
                flags = Rotated(c, cf, ((r & sign) != 0 ? 1u : 0u) ^ cf);
                break;
            }
            case 3: // RCR
            {
                int n = count % (bits + 1);
                uint cin = c.GetCF() ? 1u : 0u;
                uint of = ((a & sign) != 0 ? 1u : 0u) ^ cin;
                ulong v = ((ulong)cin << bits) | a;
                ulong all = (1ul << (bits + 1)) - 1;
                v = n == 0 ? v : ((v >> n) | (v << (bits + 1 - n))) & all;
                r = (uint)v & mask;
                flags = Rotated(c, (uint)(v >> bits) & 1, of);
                break;
            }
            case 4: // SHL
            {
                ulong v = (ulong)a << count;
                r = (uint)v & mask;
                uint cf = (uint)(v >> bits) & 1;
                flags = Cpu.ResultFlags(r, o.Size) | cf | ((((r & sign) != 0 ? 1u : 0u) ^ cf) != 0 ? Cpu.OF : 0);
                break;
            }
            case 5: // SHR
            {
                r = (uint)((ulong)a >> count) & mask;
                uint cf = (uint)((ulong)a >> (count - 1)) & 1;
                flags = Cpu.ResultFlags(r, o.Size) | cf | ((a & sign) != 0 ? Cpu.OF : 0);
                break;
            }
            default: // SAR
            {
                int sa = (int)Cpu.SignExtend(a, o.Size);
                r = (uint)(sa >> Math.Min(count, 31)) & mask;
                uint cf = (uint)(sa >> Math.Min(count - 1, 31)) & 1;
                flags = Cpu.ResultFlags(r, o.Size) | cf;
                break;
            }
        }
        Alu.Store(c, ref o, ea, r);
        c.SetArithFlags(flags);
    }

    // Rotates change only CF and OF.
    private static uint Rotated(Cpu c, uint cf, uint of) =>
        (c.ArithmeticFlags() & ~(Cpu.CF | Cpu.OF)) | cf | (of != 0 ? Cpu.OF : 0);

    public static void Shld(Cpu c, ref Op o) => DoubleShift(c, ref o, left: true);

    public static void Shrd(Cpu c, ref Op o) => DoubleShift(c, ref o, left: false);

    private static void DoubleShift(Cpu c, ref Op o, bool left)
    {
        int count = (int)((o.Cc == 1 ? c.R[1] : o.Imm2) & 31);
        if (count == 0)
        {
            return;
        }
        uint ea = o.K0 == Kind.Mem ? c.Ea(ref o) : 0;
        uint a = o.K0 == Kind.Reg ? c.GetReg(o.R0, o.Size) : c.ReadMem(ea, o.Size);
        uint b = c.GetReg(o.R1, o.Size);
        int bits = o.Size * 8;
        uint mask = Cpu.SizeMask(o.Size);
        uint sign = Cpu.SignBit(o.Size);
        uint r;
        uint cf;
        if (left)
        {
            // dest:src shifted left; the result is the high half
            UInt128 v = (((UInt128)a << bits) | b) << count;
            r = (uint)(v >> bits) & mask;
            cf = (uint)(v >> (2 * bits)) & 1;
        }
        else
        {
            // src:dest shifted right; the result is the low half
            UInt128 v = ((UInt128)b << bits) | a;
            r = (uint)(v >> count) & mask;
            cf = (uint)(v >> (count - 1)) & 1;
        }
        uint of = ((r ^ a) & sign) != 0 ? Cpu.OF : 0;
        Alu.Store(c, ref o, ea, r);
        c.SetArithFlags(Cpu.ResultFlags(r, o.Size) | cf | of);
    }

}
