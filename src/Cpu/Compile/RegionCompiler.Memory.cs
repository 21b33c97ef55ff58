using System.Reflection.Emit;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Compile;

// Registers, effective addresses, loads and stores. A load or store is the software TLB's fast
// path inline — entry = TLB + page index, compare its tag with the page of the access's last
// byte, add the entry's addend (host page - linear page) to the linear address — and a way out of
// the region on a miss (a page-crossing access always misses, as in the interpreter). The write
// TLB never holds a page of decoded code, so a store that hits needs no self-modifying-code
// check, and one into decoded code always misses and is done by the interpreter.
internal sealed unsafe partial class RegionCompiler
{
    private readonly LocalBuilder[] _t = new LocalBuilder[6];
    private LocalBuilder _la = null!;
    private LocalBuilder _entry = null!;
    private LocalBuilder _wide = null!;

    private void DeclareTemps()
    {
        for (int i = 0; i < _t.Length; i++)
        {
            _t[i] = _il.DeclareLocal(typeof(uint));
        }
        _la = _il.DeclareLocal(typeof(uint));
        _entry = _il.DeclareLocal(typeof(nint));
        _wide = _il.DeclareLocal(typeof(long));
    }

    private void LdCpu() => _il.Emit(OpCodes.Ldarg_0);

    private void LdcU(uint value) => _il.Emit(OpCodes.Ldc_I4, unchecked((int)value));

    private void LdPtr(nint p)
    {
        _il.Emit(OpCodes.Ldc_I8, (long)p);
        _il.Emit(OpCodes.Conv_U);
    }

    private void Ld(LocalBuilder l) => _il.Emit(OpCodes.Ldloc, l);

    private void St(LocalBuilder l) => _il.Emit(OpCodes.Stloc, l);

    private void LoadRegisters(uint mask)
    {
        for (int i = 0; i < 8; i++)
        {
            if ((mask & (1u << i)) != 0)
            {
                LdPtr(_regs + 4 * i);
                _il.Emit(OpCodes.Ldind_U4);
                St(_r[i]);
            }
        }
    }

    private void StoreRegisters(uint mask)
    {
        for (int i = 0; i < 8; i++)
        {
            if ((mask & (1u << i)) != 0)
            {
                LdPtr(_regs + 4 * i);
                Ld(_r[i]);
                _il.Emit(OpCodes.Stind_I4);
            }
        }
    }

    /// <summary>Pushes register <paramref name="reg"/> of <paramref name="size"/> bytes, zero-extended (8-bit numbers: AL CL DL BL AH CH DH BH).</summary>
    private void LdReg(int reg, int size)
    {
        switch (size)
        {
            case 4:
                Ld(_r[reg]);
                break;
            case 2:
                Ld(_r[reg]);
                _il.Emit(OpCodes.Conv_U2);
                break;
            default:
                if (reg < 4)
                {
                    Ld(_r[reg]);
                    _il.Emit(OpCodes.Conv_U1);
                }
                else
                {
                    Ld(_r[reg - 4]);
                    _il.Emit(OpCodes.Ldc_I4_8);
                    _il.Emit(OpCodes.Shr_Un);
                    _il.Emit(OpCodes.Conv_U1);
                }
                break;
        }
    }

    /// <summary>Writes the low <paramref name="size"/> bytes of <paramref name="value"/> into a register, keeping the rest (as SetReg does).</summary>
    private void StReg(int reg, int size, LocalBuilder value)
    {
        switch (size)
        {
            case 4:
                Ld(value);
                St(_r[reg]);
                break;
            case 2:
                Merge(_r[reg], 0xFFFF0000, value, 0xFFFF, 0);
                break;
            default:
                if (reg < 4)
                {
                    Merge(_r[reg], 0xFFFFFF00, value, 0xFF, 0);
                }
                else
                {
                    Merge(_r[reg - 4], 0xFFFF00FF, value, 0xFF, 8);
                }
                break;
        }
    }

    private void Merge(LocalBuilder target, uint keep, LocalBuilder value, uint take, int shift)
    {
        Ld(target);
        LdcU(keep);
        _il.Emit(OpCodes.And);
        Ld(value);
        LdcU(take);
        _il.Emit(OpCodes.And);
        if (shift != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, shift);
            _il.Emit(OpCodes.Shl);
        }
        _il.Emit(OpCodes.Or);
        St(target);
    }

    /// <summary>Sign-extends the value on the stack from <paramref name="size"/> bytes to 32 bits.</summary>
    private void SignExtend(int size)
    {
        if (size == 1)
        {
            _il.Emit(OpCodes.Conv_I1);
        }
        else if (size == 2)
        {
            _il.Emit(OpCodes.Conv_I2);
        }
    }

    /// <summary>Pushes Base + (Index &lt;&lt; Scale) + Disp, without the segment base (LEA).</summary>
    private void LdOffset()
    {
        Op* op = _op;
        bool any = false;
        if (op->Base != 8)
        {
            Ld(_r[op->Base]);
            any = true;
        }
        if (op->Index != 8)
        {
            Ld(_r[op->Index]);
            if (op->Scale != 0)
            {
                _il.Emit(OpCodes.Ldc_I4, (int)op->Scale);
                _il.Emit(OpCodes.Shl);
            }
            if (any)
            {
                _il.Emit(OpCodes.Add);
            }
            any = true;
        }
        if (!any)
        {
            LdcU(op->Disp);
        }
        else if (op->Disp != 0)
        {
            LdcU(op->Disp);
            _il.Emit(OpCodes.Add);
        }
    }

    /// <summary>Computes the operand's linear address into the address local.</summary>
    private void EmitEa()
    {
        LdOffset();
        if (_op->Seg != 0)
        {
            LdPtr(_segBases + 4 * _op->Seg);
            _il.Emit(OpCodes.Ldind_U4);
            _il.Emit(OpCodes.Add);
        }
        St(_la);
    }

    /// <summary>entry = tlb + page index (16-byte entries); leaves nothing on the stack.</summary>
    private void TlbEntry(nint tlb)
    {
        LdPtr(tlb);
        Ld(_la);
        _il.Emit(OpCodes.Ldc_I4_8);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldc_I4, Cpu.CompiledTlbMask << 4);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Add);
        St(_entry);
    }

    /// <summary>Branches to <paramref name="miss"/> unless the entry's tag is the page of the access's last byte.</summary>
    private void TagCheck(int size, Label miss)
    {
        Ld(_entry);
        _il.Emit(OpCodes.Ldind_U4);
        Ld(_la);
        if (size > 1)
        {
            _il.Emit(OpCodes.Ldc_I4, size - 1);
            _il.Emit(OpCodes.Add);
        }
        LdcU(0xFFFFF000);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Bne_Un, miss);
    }

    /// <summary>Pushes the host address: the entry's addend + the linear address.</summary>
    private void HostAddress()
    {
        Ld(_entry);
        _il.Emit(OpCodes.Ldc_I4_8);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldind_I8);
        Ld(_la);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Conv_I);
    }

    /// <summary>Loads <paramref name="size"/> bytes at the address local into <paramref name="dst"/> (zero-extended); a TLB miss leaves the region.</summary>
    private void Load(int size, LocalBuilder dst)
    {
        TlbEntry(_readTlb);
        TagCheck(size, MissStub(size, write: false));
        HostAddress();
        if (size > 1)
        {
            _il.Emit(OpCodes.Unaligned, (byte)1);
        }
        _il.Emit(size == 4 ? OpCodes.Ldind_U4 : size == 2 ? OpCodes.Ldind_U2 : OpCodes.Ldind_U1);
        St(dst);
    }

    /// <summary>Stores the low <paramref name="size"/> bytes of <paramref name="value"/> at the address local; a TLB miss leaves the region.</summary>
    private void Store(int size, LocalBuilder value)
    {
        TlbEntry(_writeTlb);
        TagCheck(size, MissStub(size, write: true));
        HostAddress();
        Ld(value);
        if (size > 1)
        {
            _il.Emit(OpCodes.Unaligned, (byte)1);
        }
        _il.Emit(size == 4 ? OpCodes.Stind_I4 : size == 2 ? OpCodes.Stind_I2 : OpCodes.Stind_I1);
    }

    /// <summary>
    /// A TLB miss: the region leaves with the state before the current instruction (nothing of it
    /// is committed before its accesses succeed) and the access in Cpu._jitMissLa/_jitMissInfo;
    /// the run loop walks the page tables without throwing — filling the TLB, or delivering the
    /// page fault — and the interpreter runs the instruction. No call stays in compiled code, so
    /// the JIT keeps guest registers in host registers across the whole region.
    /// </summary>
    private Label MissStub(int size, bool write)
    {
        Label stub = _il.DefineLabel();
        uint eip = _op->Eip;
        int adjust = _b.Count - _k;
        FlagState before = _flags;
        LocalBuilder la = _la;
        _cold.Add(() =>
        {
            _il.MarkLabel(stub);
            LdCpu();
            Ld(la);
            _il.Emit(OpCodes.Stfld, Cpu.CpuFields.JitMissLa);
            LdCpu();
            _il.Emit(OpCodes.Ldc_I4, size | (write ? Cpu.MissWrite : 0));
            _il.Emit(OpCodes.Stfld, Cpu.CpuFields.JitMissInfo);
            ExitTo(eip, Cpu.MissExit, adjust, before);
        });
        return stub;
    }

    // ---- operands as the interpreter's handlers read them ----

    /// <summary>Operand 1 (ReadOp1): a register of Size1 bytes, memory of Size1 bytes, or the immediate.</summary>
    private void ReadOp1(LocalBuilder dst)
    {
        switch (_op->K1)
        {
            case Kind.Reg:
                LdReg(_op->R1, _op->Size1);
                St(dst);
                break;
            case Kind.Mem:
                EmitEa();
                Load(_op->Size1, dst);
                break;
            default:
                LdcU(_op->Imm);
                St(dst);
                break;
        }
    }

    /// <summary>Operand 0 (ReadOp0) of Size bytes; for memory the address stays in the address local for a write back.</summary>
    private void ReadOp0(LocalBuilder dst)
    {
        if (_op->K0 == Kind.Reg)
        {
            LdReg(_op->R0, _op->Size);
            St(dst);
        }
        else
        {
            EmitEa();
            Load(_op->Size, dst);
        }
    }

    /// <summary>Writes operand 0 (a register, or memory at the address local computed by <see cref="ReadOp0"/>).</summary>
    private void WriteOp0(LocalBuilder value)
    {
        if (_op->K0 == Kind.Reg)
        {
            StReg(_op->R0, _op->Size, value);
        }
        else
        {
            Store(_op->Size, value);
        }
    }
}
