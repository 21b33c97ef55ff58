using System.Reflection.Emit;
using Iced.Intel;
using LguestActors.Cpu.Decode;
using Label = System.Reflection.Emit.Label;

namespace LguestActors.Cpu.Compile;

// The inline forms. Each does what its interpreter handler (Execute/*.cs) does, in the same
// order where a fault can intervene: every memory access that can fault comes before anything
// the instruction commits (registers, flags), so a fault leaves the state before the instruction.
internal sealed unsafe partial class RegionCompiler
{
    private void EmitOp(in OpPlan plan)
    {
        switch (plan.Form)
        {
            case Form.Nop:
                break;
            case Form.Mov:
                ReadOp1(_t[0]);
                if (_op->K0 == Kind.Mem)
                {
                    EmitEa();
                }
                WriteOp0(_t[0]);
                break;
            case Form.Movzx:
                ReadOp1(_t[0]);
                StReg(_op->R0, _op->Size, _t[0]);
                break;
            case Form.Movsx:
                ReadOp1(_t[0]);
                Ld(_t[0]);
                SignExtend(_op->Size1);
                St(_t[0]);
                StReg(_op->R0, _op->Size, _t[0]);
                break;
            case Form.Lea:
                LdOffset();
                St(_t[0]);
                StReg(_op->R0, _op->Size, _t[0]);
                break;
            case Form.XchgRegs:
                LdReg(_op->R0, _op->Size);
                St(_t[0]);
                LdReg(_op->R1, _op->Size);
                St(_t[1]);
                StReg(_op->R0, _op->Size, _t[1]);
                StReg(_op->R1, _op->Size, _t[0]);
                break;
            case Form.Alu:
                EmitAlu(plan.Alu);
                break;
            case Form.IncDec:
                EmitIncDec();
                break;
            case Form.Neg:
            case Form.Not:
                ReadOp0(_t[0]);
                Ld(_t[0]);
                _il.Emit(plan.Form == Form.Neg ? OpCodes.Neg : OpCodes.Not);
                St(_t[1]);
                WriteOp0(_t[1]);
                if (plan.Form == Form.Neg && FlagsLive)
                {
                    // SetLazy(Sub, 0, a, r): NEG is 0 - a
                    _il.Emit(OpCodes.Ldc_I4_0);
                    St(_t[2]);
                    RecordLazy(_t[2], _t[0], 0, _t[1], null);
                }
                break;
            case Form.Shift:
                EmitShift();
                break;
            case Form.Imul2:
            case Form.Imul3:
                EmitImul(plan.Form == Form.Imul3);
                break;
            case Form.Mul32:
                EmitMul32();
                break;
            case Form.Cdq:
                Ld(_r[0]);
                _il.Emit(OpCodes.Ldc_I4_S, (sbyte)31);
                _il.Emit(OpCodes.Shr);
                St(_r[2]);
                break;
            case Form.Cwde:
                Ld(_r[0]);
                _il.Emit(OpCodes.Conv_I2);
                St(_r[0]);
                break;
            case Form.Push32:
                EmitPush();
                break;
            case Form.Pop32:
                // Pop32 then the register: `pop esp` ends with the value popped.
                Ld(_r[4]);
                St(_la);
                Load(4, _t[0]);
                Ld(_r[4]);
                _il.Emit(OpCodes.Ldc_I4_4);
                _il.Emit(OpCodes.Add);
                St(_r[4]);
                StReg(_op->R0, 4, _t[0]);
                break;
            case Form.Leave:
                Ld(_r[5]);
                St(_la);
                Load(4, _t[0]);
                Ld(_r[5]);
                _il.Emit(OpCodes.Ldc_I4_4);
                _il.Emit(OpCodes.Add);
                St(_r[4]);
                Ld(_t[0]);
                St(_r[5]);
                break;
            case Form.Call:
                LdcU(_op->Next);
                St(_t[0]);
                Push(_t[0]);
                Goto(_op->Imm);
                break;
            case Form.CallIndirect:
                ReadOp0(_t[1]);
                LdcU(_op->Next);
                St(_t[0]);
                Push(_t[0]);
                Ld(_t[1]);
                ExitToStackEip(Cpu.DynamicExit, 0);
                break;
            case Form.Ret:
                EmitRet();
                break;
            case Form.Jmp:
                Goto(_op->Imm);
                break;
            case Form.JmpIndirect:
                ReadOp0(_t[0]);
                Ld(_t[0]);
                ExitToStackEip(Cpu.DynamicExit, 0);
                break;
            case Form.Jcc:
                PushCond(_op->Cc);
                Branch(_op->Imm, _op->Next);
                break;
            case Form.Loop:
                EmitLoop();
                break;
            case Form.Jecxz:
                Ld(_r[1]);
                if (((Code)_op->Code).Mnemonic() == Mnemonic.Jcxz)
                {
                    _il.Emit(OpCodes.Conv_U2);
                }
                _il.Emit(OpCodes.Ldc_I4_0);
                _il.Emit(OpCodes.Ceq);
                Branch(_op->Imm, _op->Next);
                break;
            case Form.Setcc:
                PushCond(_op->Cc);
                St(_t[0]);
                if (_op->K0 == Kind.Mem)
                {
                    EmitEa();
                }
                WriteOp0(_t[0]);
                break;
            case Form.Cmovcc:
            {
                // The source is read (and may fault) whether or not the condition holds.
                ReadOp1(_t[0]);
                Label skip = _il.DefineLabel();
                PushCond(_op->Cc);
                _il.Emit(OpCodes.Brfalse, skip);
                StReg(_op->R0, _op->Size, _t[0]);
                _il.MarkLabel(skip);
                break;
            }
            default:
                EmitHandler();
                break;
        }
    }

    /// <summary>With a 0/1 condition on the stack: to <paramref name="taken"/> if 1, else <paramref name="notTaken"/>.</summary>
    private void Branch(uint taken, uint notTaken)
    {
        _il.Emit(OpCodes.Brtrue, Target(taken));
        Goto(notTaken);
    }

    private void EmitAlu(AluKind kind)
    {
        Op* op = _op;
        int size = op->Size;
        ReadOp0(_t[0]); // a (memory: the address stays in the address local)
        LocalBuilder? b = null;
        if (op->K1 == Kind.Reg)
        {
            LdReg(op->R1, op->Size1);
            St(_t[1]);
            b = _t[1];
        }
        else if (op->K1 == Kind.Mem)
        {
            EmitEa();
            Load(op->Size1, _t[1]);
            b = _t[1];
        }
        LocalBuilder? cin = null;
        if (kind is AluKind.Adc or AluKind.Sbb)
        {
            PushCF();
            St(_t[3]);
            cin = _t[3];
        }
        Ld(_t[0]);
        if (b is null)
        {
            LdcU(op->Imm);
        }
        else
        {
            Ld(b);
        }
        _il.Emit(kind switch
        {
            AluKind.Add or AluKind.Adc => OpCodes.Add,
            AluKind.Sub or AluKind.Sbb or AluKind.Cmp => OpCodes.Sub,
            AluKind.And or AluKind.Test => OpCodes.And,
            AluKind.Or => OpCodes.Or,
            _ => OpCodes.Xor,
        });
        if (cin is not null)
        {
            Ld(cin);
            _il.Emit(kind == AluKind.Adc ? OpCodes.Add : OpCodes.Sub);
        }
        St(_t[2]);
        if (kind is not (AluKind.Cmp or AluKind.Test))
        {
            WriteOp0(_t[2]);
        }
        if (FlagsLive)
        {
            RecordLazy(_t[0], b, op->Imm, _t[2], cin);
        }
    }

    private void EmitIncDec()
    {
        bool inc = ((Code)_op->Code).Mnemonic() == Mnemonic.Inc;
        ReadOp0(_t[0]);
        Ld(_t[0]);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(inc ? OpCodes.Add : OpCodes.Sub);
        St(_t[1]);
        WriteOp0(_t[1]);
        if (FlagsLive)
        {
            // INC/DEC keep CF: it is the carry-in of their record (computed only if read later).
            LocalBuilder? cin = null;
            if ((_liveAfter[_k] & Cpu.CF) != 0)
            {
                PushCF();
                St(_t[3]);
                cin = _t[3];
            }
            RecordLazy(_t[0], null, 1, _t[1], cin);
        }
    }

    private void EmitShift()
    {
        Op* op = _op;
        var kind = ((Code)op->Code).Mnemonic();
        int size = op->Size;
        uint mask = Cpu.SizeMask(size);
        bool live = FlagsLive;
        Label? skip = null;
        LocalBuilder count = _t[4];
        if (op->K1 == Kind.Reg)
        {
            // A masked count of 0 changes nothing, flags included, and touches no memory: both
            // ways must meet with the flags as a dynamic record.
            if (live)
            {
                ToDynamic(_flags);
            }
            skip = _il.DefineLabel();
            Ld(_r[1]);
            _il.Emit(OpCodes.Ldc_I4_S, (sbyte)31);
            _il.Emit(OpCodes.And);
            St(count);
            Ld(count);
            _il.Emit(OpCodes.Brfalse, skip.Value);
        }
        else
        {
            if ((op->Imm & 31) == 0)
            {
                return;
            }
            LdcU(op->Imm & 31);
            St(count);
        }
        ReadOp0(_t[0]); // a, zero-extended to the operand size
        switch (kind)
        {
            case Mnemonic.Shr:
                Ld(_t[0]);
                Ld(count);
                _il.Emit(OpCodes.Shr_Un);
                break;
            case Mnemonic.Sar:
                Ld(_t[0]);
                SignExtend(size);
                Ld(count);
                _il.Emit(OpCodes.Shr);
                break;
            default: // SHL/SAL
                Ld(_t[0]);
                Ld(count);
                _il.Emit(OpCodes.Shl);
                break;
        }
        if (mask != 0xFFFFFFFF)
        {
            LdcU(mask);
            _il.Emit(OpCodes.And);
        }
        St(_t[1]);
        WriteOp0(_t[1]);
        if (live)
        {
            if (skip is null)
            {
                RecordLazy(_t[0], count, 0, _t[1], null); // computed only if read: FlagKind.Shl/Shr/Sar
            }
            else
            {
                Ld(_t[0]);
                Ld(count);
                Ld(_t[1]);
                _il.Emit(OpCodes.Ldc_I4, size);
                _il.Emit(OpCodes.Call, kind switch
                {
                    Mnemonic.Shr => CompiledFlags.ShrMethod,
                    Mnemonic.Sar => CompiledFlags.SarMethod,
                    _ => CompiledFlags.ShlMethod,
                });
                St(_fEfl);
                _il.Emit(OpCodes.Ldc_I4, (int)LazyOp.None);
                St(_fOp);
            }
        }
        if (skip is Label end)
        {
            _il.MarkLabel(end);
        }
    }

    private void EmitImul(bool threeOperands)
    {
        Op* op = _op;
        int size = op->Size;
        if (threeOperands)
        {
            ReadOp1(_t[0]);
            Ld(_t[0]);
            SignExtend(size);
            _il.Emit(OpCodes.Conv_I8);
            LdcU(op->Imm2);
            SignExtend(size);
            _il.Emit(OpCodes.Conv_I8);
        }
        else
        {
            ReadOp1(_t[0]); // first: the IL stack must be empty across a load's slow path
            LdReg(op->R0, size);
            SignExtend(size);
            _il.Emit(OpCodes.Conv_I8);
            Ld(_t[0]);
            SignExtend(size);
            _il.Emit(OpCodes.Conv_I8);
        }
        _il.Emit(OpCodes.Mul);
        St(_wide);
        Ld(_wide);
        _il.Emit(OpCodes.Conv_U4);
        St(_t[1]);
        StReg(op->R0, size, _t[1]);
        if (FlagsLive)
        {
            // FlagKind.Mul: CF = OF = the product does not fit the destination
            Ld(_t[1]);
            St(_fRes);
            Ld(_wide);
            Ld(_t[1]);
            SignExtend(size);
            _il.Emit(OpCodes.Conv_I8);
            _il.Emit(OpCodes.Ceq);
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.Xor);
            St(_fCin);
        }
    }

    private void EmitMul32()
    {
        ReadOp0(_t[0]);
        Ld(_t[0]);
        _il.Emit(OpCodes.Conv_U8);
        Ld(_r[0]);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Mul);
        St(_wide);
        Ld(_wide);
        _il.Emit(OpCodes.Conv_U4);
        St(_r[0]);
        Ld(_wide);
        _il.Emit(OpCodes.Ldc_I4_S, (sbyte)32);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Conv_U4);
        St(_r[2]);
        if (FlagsLive)
        {
            // FlagKind.Mul: CF = OF = the high half is not zero
            Ld(_r[0]);
            St(_fRes);
            Ld(_r[2]);
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Cgt_Un);
            St(_fCin);
        }
    }

    private void EmitPush()
    {
        switch (_op->K0)
        {
            case Kind.Reg:
                LdReg(_op->R0, 4);
                St(_t[0]);
                break;
            case Kind.Mem:
                EmitEa();
                Load(4, _t[0]);
                break;
            default:
                LdcU(_op->Imm);
                St(_t[0]);
                break;
        }
        Push(_t[0]);
    }

    /// <summary>Push32: store below ESP, then ESP moves (a faulting push changes nothing).</summary>
    private void Push(LocalBuilder value)
    {
        Ld(_r[4]);
        _il.Emit(OpCodes.Ldc_I4_4);
        _il.Emit(OpCodes.Sub);
        St(_t[5]);
        Ld(_t[5]);
        St(_la);
        Store(4, value);
        Ld(_t[5]);
        St(_r[4]);
    }

    private void EmitRet()
    {
        Ld(_r[4]);
        St(_la);
        Load(4, _t[0]);
        Ld(_r[4]);
        _il.Emit(OpCodes.Ldc_I4, 4 + (int)(_op->K0 == Kind.Imm ? _op->Imm & 0xFFFF : 0));
        _il.Emit(OpCodes.Add);
        St(_r[4]);
        // A return to one of the region's own call sites stays in the region.
        foreach (uint site in _region.ReturnSites)
        {
            Ld(_t[0]);
            LdcU(site);
            _il.Emit(OpCodes.Beq, Target(site));
        }
        Ld(_t[0]);
        ExitToStackEip(Cpu.DynamicExit, 0);
    }

    private void EmitLoop()
    {
        Ld(_r[1]);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Sub);
        St(_r[1]);
        Ld(_r[1]);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Cgt_Un);
        Mnemonic m = ((Code)_op->Code).Mnemonic();
        if (m != Mnemonic.Loop)
        {
            PushCond(m == Mnemonic.Loope ? 4 : 5); // E / NE
            _il.Emit(OpCodes.And);
        }
        Branch(_op->Imm, _op->Next);
    }
}
