using System.Runtime.CompilerServices;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu;

// Operand access shared by the handlers: registers by size (8-bit numbers are AL CL DL BL AH CH
// DH BH), effective addresses, and operand 0 / operand 1 whatever their kind.
public sealed unsafe partial class Cpu
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Ea(ref Op o) => R[o.Base] + (R[o.Index] << o.Scale) + o.Disp + SegBase[o.Seg];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint GetReg(int r, int size)
    {
        if (size == 4)
        {
            return R[r];
        }
        if (size == 2)
        {
            return R[r] & 0xFFFF;
        }
        return r < 4 ? R[r] & 0xFF : (R[r - 4] >> 8) & 0xFF;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetReg(int r, int size, uint value)
    {
        if (size == 4)
        {
            R[r] = value;
        }
        else if (size == 2)
        {
            R[r] = (R[r] & 0xFFFF0000) | (value & 0xFFFF);
        }
        else if (r < 4)
        {
            R[r] = (R[r] & 0xFFFFFF00) | (value & 0xFF);
        }
        else
        {
            R[r - 4] = (R[r - 4] & 0xFFFF00FF) | ((value & 0xFF) << 8);
        }
    }

    internal uint ReadOp0(ref Op o) => o.K0 == Kind.Reg ? GetReg(o.R0, o.Size) : ReadMem(Ea(ref o), o.Size);

    internal void WriteOp0(ref Op o, uint value)
    {
        if (o.K0 == Kind.Reg)
        {
            SetReg(o.R0, o.Size, value);
        }
        else
        {
            WriteMem(Ea(ref o), o.Size, value);
        }
    }

    internal uint ReadOp1(ref Op o) => o.K1 switch
    {
        Kind.Reg => GetReg(o.R1, o.Size1),
        Kind.Mem => ReadMem(Ea(ref o), o.Size1),
        _ => o.Imm,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Push32(uint value)
    {
        uint sp = R[4] - 4;
        Write32(sp, value);
        R[4] = sp;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Pop32()
    {
        uint v = Read32(R[4]);
        R[4] += 4;
        return v;
    }

    internal void Push(uint value, int size)
    {
        if (size == 2)
        {
            uint sp = R[4] - 2;
            Write16(sp, value);
            R[4] = sp;
        }
        else
        {
            Push32(value);
        }
    }

    internal uint Pop(int size)
    {
        if (size == 2)
        {
            uint v = Read16(R[4]);
            R[4] += 2;
            return v;
        }
        return Pop32();
    }

    internal static uint SignExtend(uint value, int size) => size switch
    {
        1 => (uint)(sbyte)value,
        2 => (uint)(short)value,
        _ => value,
    };
}
