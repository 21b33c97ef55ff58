using System.Numerics;
using System.Runtime.CompilerServices;

namespace LguestActors.Cpu;

/// <summary>The kind of the last flag-setting operation, for lazy EFLAGS.</summary>
internal enum LazyOp : byte
{
    /// <summary>The arithmetic flags are materialised in _eflags.</summary>
    None,
    Add,
    Adc,
    Sub,
    Sbb,
    Logic,
    Inc,
    Dec,
}

// Lazy flags: an ALU instruction records what it did (op kind, size, operands, result) and the
// flags are computed only when something reads them. Most results are never read, or only ZF.
public sealed unsafe partial class Cpu
{
    internal const uint CF = 0x1;
    internal const uint PF = 0x4;
    internal const uint AF = 0x10;
    internal const uint ZF = 0x40;
    internal const uint SF = 0x80;
    internal const uint TF = 0x100;
    internal const uint IF = 0x200;
    internal const uint DF = 0x400;
    internal const uint OF = 0x800;
    internal const uint Iopl = 0x3000;
    internal const uint ArithFlags = CF | PF | AF | ZF | SF | OF;

    // The bits of EFLAGS a guest may change with POPF/IRET (no IOPL/VM games: the guest is a kernel).
    private const uint WritableFlags = ArithFlags | TF | IF | DF | 0x3000 | 0x4000 | 0x40000 | 0x200000;

    internal uint _eflags;
    internal LazyOp _lfOp;
    internal byte _lfSize;
    internal uint _lfA;
    internal uint _lfB;
    internal uint _lfRes;
    internal bool _lfCin;

    public uint Eflags
    {
        get => (_eflags & ~ArithFlags) | ArithmeticFlags();
        set
        {
            _eflags = (value & WritableFlags) | 0x2;
            _lfOp = LazyOp.None;
        }
    }

    internal (uint Eflags, LazyOp Op, byte Size, uint A, uint B, uint Res, bool Cin) SaveLazy() =>
        (_eflags, _lfOp, _lfSize, _lfA, _lfB, _lfRes, _lfCin);

    internal void RestoreLazy((uint Eflags, LazyOp Op, byte Size, uint A, uint B, uint Res, bool Cin) s) =>
        (_eflags, _lfOp, _lfSize, _lfA, _lfB, _lfRes, _lfCin) = s;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetLazy(LazyOp op, uint a, uint b, uint res, int size)
    {
        _lfOp = op;
        _lfSize = (byte)size;
        _lfA = a;
        _lfB = b;
        _lfRes = res;
    }

    /// <summary>Sets the arithmetic flags to <paramref name="flags"/> now (shifts, multiplies, POPF).</summary>
    internal void SetArithFlags(uint flags)
    {
        _eflags = (_eflags & ~ArithFlags) | (flags & ArithFlags);
        _lfOp = LazyOp.None;
    }

    /// <summary>ZF, SF and PF of a result, as every ALU op sets them.</summary>
    internal static uint ResultFlags(uint res, int size)
    {
        uint mask = SizeMask(size);
        uint f = 0;
        if ((res & mask) == 0)
        {
            f |= ZF;
        }
        if ((res & SignBit(size)) != 0)
        {
            f |= SF;
        }
        return f | Parity(res);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint SizeMask(int size) => size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint SignBit(int size) => 1u << (size * 8 - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Parity(uint res) => (BitOperations.PopCount(res & 0xFF) & 1) == 0 ? PF : 0;

    internal uint ArithmeticFlags()
    {
        if (_lfOp == LazyOp.None)
        {
            return _eflags & ArithFlags;
        }
        uint f = ResultFlags(_lfRes, _lfSize);
        if (GetCF())
        {
            f |= CF;
        }
        if (GetOF())
        {
            f |= OF;
        }
        if (_lfOp != LazyOp.Logic && ((_lfA ^ _lfB ^ _lfRes) & 0x10) != 0)
        {
            f |= AF;
        }
        return f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool GetCF()
    {
        // INC/DEC read CF; in a loop it was mostly last set by a CMP.
        if (_lfOp == LazyOp.Sub)
        {
            int sh = 32 - 8 * _lfSize;
            return (_lfA << sh) < (_lfB << sh);
        }
        return GetCFSlow();
    }

    private bool GetCFSlow()
    {
        uint m = SizeMask(_lfSize);
        return _lfOp switch
        {
            LazyOp.None => (_eflags & CF) != 0,
            LazyOp.Add => (_lfRes & m) < (_lfA & m),
            LazyOp.Adc => _lfCin ? (_lfRes & m) <= (_lfA & m) : (_lfRes & m) < (_lfA & m),
            LazyOp.Sub => (_lfA & m) < (_lfB & m),
            LazyOp.Sbb => _lfCin ? (_lfA & m) <= (_lfB & m) : (_lfA & m) < (_lfB & m),
            LazyOp.Logic => false,
            _ => _lfCin,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool GetZF() => _lfOp == LazyOp.None ? (_eflags & ZF) != 0 : (_lfRes & SizeMask(_lfSize)) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool GetSF() => _lfOp == LazyOp.None ? (_eflags & SF) != 0 : (_lfRes & SignBit(_lfSize)) != 0;

    internal bool GetPF() => _lfOp == LazyOp.None ? (_eflags & PF) != 0 : Parity(_lfRes) != 0;

    internal bool GetOF()
    {
        uint s = SignBit(_lfSize);
        return _lfOp switch
        {
            LazyOp.None => (_eflags & OF) != 0,
            LazyOp.Add or LazyOp.Adc or LazyOp.Inc => ((_lfA ^ _lfRes) & (_lfB ^ _lfRes) & s) != 0,
            LazyOp.Sub or LazyOp.Sbb or LazyOp.Dec => ((_lfA ^ _lfB) & (_lfA ^ _lfRes) & s) != 0,
            _ => false,
        };
    }

    /// <summary>Evaluates an x86 condition code (the tttn field: 0 O, 1 NO, 2 B, ... 15 G).</summary>
    internal bool Cond(int cc)
    {
        bool r;
        switch (cc >> 1)
        {
            case 0: r = GetOF(); break;
            case 1: r = GetCF(); break;
            case 2: r = GetZF(); break;
            case 3: r = GetCF() || GetZF(); break;
            case 4: r = GetSF(); break;
            case 5: r = GetPF(); break;
            case 6: r = GetSF() != GetOF(); break;
            default: r = GetZF() || GetSF() != GetOF(); break;
        }
        return r ^ ((cc & 1) != 0);
    }
}
