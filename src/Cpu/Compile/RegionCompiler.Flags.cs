using System.Reflection.Emit;

namespace LguestActors.Cpu.Compile;

// The lazy-flags record in locals: fOp, fSize, fA, fB, fRes, fCin (the interpreter's _lf*
// fields) and fEfl (the arithmetic bits of EFLAGS when fOp is None). A producer whose result may
// be read stores its operands — a few register moves; nothing is computed until a condition asks,
// and then only the one comparison it needs when the producer is known (FlagAnalysis.cs).
// Each way out writes back what its static state holds: nothing if the flags are still in the
// Cpu's fields, constants for a known op, the computed flags for a deferred shift or multiply.
internal sealed unsafe partial class RegionCompiler
{
    private LocalBuilder _fOp = null!;
    private LocalBuilder _fSize = null!;
    private LocalBuilder _fA = null!;
    private LocalBuilder _fB = null!;
    private LocalBuilder _fRes = null!;
    private LocalBuilder _fCin = null!;
    private LocalBuilder _fEfl = null!;
    private LocalBuilder _fTemp = null!;

    private void DeclareFlagLocals()
    {
        _fOp = _il.DeclareLocal(typeof(int));
        _fSize = _il.DeclareLocal(typeof(int));
        _fA = _il.DeclareLocal(typeof(uint));
        _fB = _il.DeclareLocal(typeof(uint));
        _fRes = _il.DeclareLocal(typeof(uint));
        _fCin = _il.DeclareLocal(typeof(int));
        _fEfl = _il.DeclareLocal(typeof(uint));
        _fTemp = _il.DeclareLocal(typeof(uint));
    }

    /// <summary>Makes the locals hold state <paramref name="from"/> as a dynamic record (for a block entered several ways).</summary>
    private void ToDynamic(FlagState from)
    {
        switch (from.Kind)
        {
            case FlagKind.Dynamic:
                break;
            case FlagKind.Entry:
                LoadField(Cpu.CpuFields.LfOp, _fOp);
                LoadField(Cpu.CpuFields.LfSize, _fSize);
                LoadField(Cpu.CpuFields.LfA, _fA);
                LoadField(Cpu.CpuFields.LfB, _fB);
                LoadField(Cpu.CpuFields.LfRes, _fRes);
                LoadField(Cpu.CpuFields.LfCin, _fCin);
                LdCpu();
                _il.Emit(OpCodes.Ldfld, Cpu.CpuFields.Eflags);
                LdcU(Cpu.ArithFlags);
                _il.Emit(OpCodes.And);
                St(_fEfl);
                break;
            case FlagKind.Lazy:
                _il.Emit(OpCodes.Ldc_I4, (int)from.Op);
                St(_fOp);
                _il.Emit(OpCodes.Ldc_I4, from.Size);
                St(_fSize);
                break;
            default:
                PushDeferredFlags(from);
                St(_fEfl);
                _il.Emit(OpCodes.Ldc_I4, (int)LazyOp.None);
                St(_fOp);
                break;
        }
    }

    /// <summary>Writes state <paramref name="s"/> into the Cpu's lazy-flag fields (before a handler call or a way out).</summary>
    private void StoreFlags(FlagState s)
    {
        switch (s.Kind)
        {
            case FlagKind.Entry:
                return;
            case FlagKind.Dynamic:
                StoreField(Cpu.CpuFields.LfOp, _fOp);
                StoreField(Cpu.CpuFields.LfSize, _fSize);
                StoreField(Cpu.CpuFields.LfA, _fA);
                StoreField(Cpu.CpuFields.LfB, _fB);
                StoreField(Cpu.CpuFields.LfRes, _fRes);
                StoreField(Cpu.CpuFields.LfCin, _fCin);
                StoreEflags(_fEfl);
                return;
            case FlagKind.Lazy when s.Op == LazyOp.None:
                StoreConst(Cpu.CpuFields.LfOp, (int)LazyOp.None);
                StoreEflags(_fEfl);
                return;
            case FlagKind.Lazy:
                StoreConst(Cpu.CpuFields.LfOp, (int)s.Op);
                StoreConst(Cpu.CpuFields.LfSize, s.Size);
                StoreField(Cpu.CpuFields.LfA, _fA);
                StoreField(Cpu.CpuFields.LfB, _fB);
                StoreField(Cpu.CpuFields.LfRes, _fRes);
                if (s.Op is LazyOp.Adc or LazyOp.Sbb or LazyOp.Inc or LazyOp.Dec)
                {
                    StoreField(Cpu.CpuFields.LfCin, _fCin);
                }
                return;
            default:
                PushDeferredFlags(s);
                St(_fTemp);
                StoreConst(Cpu.CpuFields.LfOp, (int)LazyOp.None);
                StoreEflags(_fTemp);
                return;
        }
    }

    private void StoreEflags(LocalBuilder arith)
    {
        LdCpu();
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.CpuFields.Eflags);
        LdcU(~Cpu.ArithFlags);
        _il.Emit(OpCodes.And);
        Ld(arith);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stfld, Cpu.CpuFields.Eflags);
    }

    private void LoadField(System.Reflection.FieldInfo field, LocalBuilder into)
    {
        LdCpu();
        _il.Emit(OpCodes.Ldfld, field);
        St(into);
    }

    private void StoreField(System.Reflection.FieldInfo field, LocalBuilder from)
    {
        LdCpu();
        Ld(from);
        _il.Emit(OpCodes.Stfld, field);
    }

    private void StoreConst(System.Reflection.FieldInfo field, int value)
    {
        LdCpu();
        _il.Emit(OpCodes.Ldc_I4, value);
        _il.Emit(OpCodes.Stfld, field);
    }

    /// <summary>Pushes the arithmetic flags of a deferred (shift or multiply) state, computed now.</summary>
    private void PushDeferredFlags(FlagState s)
    {
        if (s.Kind == FlagKind.Mul)
        {
            Ld(_fRes);
            _il.Emit(OpCodes.Ldc_I4, s.Size);
            Ld(_fCin);
            _il.Emit(OpCodes.Call, CompiledFlags.MulMethod);
            return;
        }
        Ld(_fA);
        Ld(_fB);
        Ld(_fRes);
        _il.Emit(OpCodes.Ldc_I4, s.Size);
        _il.Emit(OpCodes.Call, s.Kind switch
        {
            FlagKind.Shr => CompiledFlags.ShrMethod,
            FlagKind.Sar => CompiledFlags.SarMethod,
            _ => CompiledFlags.ShlMethod,
        });
    }

    /// <summary>True when some flag may be read after the current instruction.</summary>
    private bool FlagsLive => _liveAfter[_k] != 0;

    /// <summary>Records a lazily evaluated result (SetLazy): operands, result, and carry-in when given.</summary>
    private void RecordLazy(LocalBuilder a, LocalBuilder? b, uint bConst, LocalBuilder res, LocalBuilder? cin)
    {
        Ld(a);
        St(_fA);
        if (b is null)
        {
            LdcU(bConst);
        }
        else
        {
            Ld(b);
        }
        St(_fB);
        Ld(res);
        St(_fRes);
        if (cin is not null)
        {
            Ld(cin);
            St(_fCin);
        }
    }

    /// <summary>Pushes 1 if condition <paramref name="cc"/> (tttn) holds now, else 0.</summary>
    private void PushCond(int cc)
    {
        FlagState s = _flags;
        if (s.Kind is FlagKind.Entry or FlagKind.Dynamic)
        {
            StoreFlags(s);
            LdCpu();
            _il.Emit(OpCodes.Ldc_I4, cc);
            _il.Emit(OpCodes.Call, Cpu.CpuFields.Cond);
            return;
        }
        bool negate = (cc & 1) != 0;
        int sh = 32 - 8 * s.Size;
        if (s.Kind == FlagKind.Lazy && s.Op == LazyOp.Sub && (cc >> 1) is 1 or 3 or 6 or 7)
        {
            // After CMP/SUB the conditions are comparisons of the operands (as CondFast does).
            Shifted(_fA, sh);
            Shifted(_fB, sh);
            switch (cc >> 1)
            {
                case 1: // B: a < b
                    _il.Emit(OpCodes.Clt_Un);
                    break;
                case 3: // BE: !(a > b)
                    _il.Emit(OpCodes.Cgt_Un);
                    negate = !negate;
                    break;
                case 6: // L: a < b signed
                    _il.Emit(OpCodes.Clt);
                    break;
                default: // LE: !(a > b) signed
                    _il.Emit(OpCodes.Cgt);
                    negate = !negate;
                    break;
            }
        }
        else
        {
            if (s.IsDeferred)
            {
                PushDeferredFlags(s);
                St(_fTemp);
                s = FlagState.Of(LazyOp.None, 4);
            }
            switch (cc >> 1)
            {
                case 0:
                    PushOF(s);
                    break;
                case 1:
                    PushCF(s);
                    break;
                case 2:
                    PushZF(s);
                    break;
                case 3:
                    PushCF(s);
                    PushZF(s);
                    _il.Emit(OpCodes.Or);
                    break;
                case 4:
                    PushSF(s);
                    break;
                case 5:
                    PushPF(s);
                    break;
                case 6:
                    PushSF(s);
                    PushOF(s);
                    _il.Emit(OpCodes.Xor);
                    break;
                default:
                    PushZF(s);
                    PushSF(s);
                    PushOF(s);
                    _il.Emit(OpCodes.Xor);
                    _il.Emit(OpCodes.Or);
                    break;
            }
        }
        if (negate)
        {
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.Xor);
        }
    }

    /// <summary>Pushes the value shifted left so its sign bit is bit 31 (an 8/16-bit compare made a 32-bit one).</summary>
    private void Shifted(LocalBuilder v, int sh)
    {
        Ld(v);
        if (sh != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, sh);
            _il.Emit(OpCodes.Shl);
        }
    }

    /// <summary>Pushes CF (0/1) as it is before the current instruction.</summary>
    private void PushCF()
    {
        FlagState s = _flags;
        switch (s.Kind)
        {
            case FlagKind.Entry:
            case FlagKind.Dynamic:
                StoreFlags(s);
                LdCpu();
                _il.Emit(OpCodes.Call, Cpu.CpuFields.GetCF);
                return;
            case FlagKind.Lazy:
                PushCF(s);
                return;
            default:
                PushDeferredFlags(s);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.And);
                return;
        }
    }

    // The flags of a known state: Lazy(op, size); Lazy(None) reads fEfl, or fTemp when a deferred
    // state was just computed into it (PushCond sets s to Lazy(None, 4) with the flags in fTemp).
    private LocalBuilder NoneSource => _flags.IsDeferred ? _fTemp : _fEfl;

    private void PushCF(FlagState s)
    {
        uint m = Cpu.SizeMask(s.Size);
        switch (s.Op)
        {
            case LazyOp.None:
                FlagBit(Cpu.CF);
                break;
            case LazyOp.Add: // (res & m) < (a & m)
                Masked(_fRes, m);
                Masked(_fA, m);
                _il.Emit(OpCodes.Clt_Un);
                break;
            case LazyOp.Sub:
                Masked(_fA, m);
                Masked(_fB, m);
                _il.Emit(OpCodes.Clt_Un);
                break;
            case LazyOp.Adc: // cin ? res <= a : res < a  ==  res < a | cin & res == a
                CarryWithIn(_fRes, _fA, m);
                break;
            case LazyOp.Sbb: // cin ? a <= b : a < b
                CarryWithIn(_fA, _fB, m);
                break;
            case LazyOp.Logic:
                _il.Emit(OpCodes.Ldc_I4_0);
                break;
            default: // INC/DEC keep the carry they found
                Ld(_fCin);
                break;
        }
    }

    private void CarryWithIn(LocalBuilder x, LocalBuilder y, uint m)
    {
        Masked(x, m);
        Masked(y, m);
        _il.Emit(OpCodes.Clt_Un);
        Masked(x, m);
        Masked(y, m);
        _il.Emit(OpCodes.Ceq);
        Ld(_fCin);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Or);
    }

    private void Masked(LocalBuilder v, uint m)
    {
        Ld(v);
        if (m != 0xFFFFFFFF)
        {
            LdcU(m);
            _il.Emit(OpCodes.And);
        }
    }

    private void FlagBit(uint bit)
    {
        Ld(NoneSource);
        LdcU(bit);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Cgt_Un);
    }

    private void PushZF(FlagState s)
    {
        if (s.Op == LazyOp.None)
        {
            FlagBit(Cpu.ZF);
            return;
        }
        Masked(_fRes, Cpu.SizeMask(s.Size));
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Ceq);
    }

    private void PushSF(FlagState s)
    {
        if (s.Op == LazyOp.None)
        {
            FlagBit(Cpu.SF);
            return;
        }
        Ld(_fRes);
        LdcU(Cpu.SignBit(s.Size));
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Cgt_Un);
    }

    private void PushPF(FlagState s)
    {
        if (s.Op == LazyOp.None)
        {
            FlagBit(Cpu.PF);
            return;
        }
        Ld(_fRes);
        _il.Emit(OpCodes.Call, CompiledFlags.EvenParityMethod);
    }

    private void PushOF(FlagState s)
    {
        uint sign = Cpu.SignBit(s.Size);
        switch (s.Op)
        {
            case LazyOp.None:
                FlagBit(Cpu.OF);
                return;
            case LazyOp.Add or LazyOp.Adc or LazyOp.Inc: // (a ^ res) & (b ^ res) & sign
                Ld(_fA);
                Ld(_fRes);
                _il.Emit(OpCodes.Xor);
                Ld(_fB);
                Ld(_fRes);
                _il.Emit(OpCodes.Xor);
                _il.Emit(OpCodes.And);
                break;
            case LazyOp.Sub or LazyOp.Sbb or LazyOp.Dec: // (a ^ b) & (a ^ res) & sign
                Ld(_fA);
                Ld(_fB);
                _il.Emit(OpCodes.Xor);
                Ld(_fA);
                Ld(_fRes);
                _il.Emit(OpCodes.Xor);
                _il.Emit(OpCodes.And);
                break;
            default:
                _il.Emit(OpCodes.Ldc_I4_0);
                return;
        }
        LdcU(sign);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Cgt_Un);
    }
}
