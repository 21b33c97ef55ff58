using Iced.Intel;
using LguestActors.Cpu.Execute;

namespace LguestActors.Cpu.Decode;

/// <summary>
/// Turns one Iced <see cref="Instruction"/> into an <see cref="Op"/>: operands resolved once,
/// and a handler chosen by instruction class (the tables live in the Execute/ files). Anything
/// not listed is #UD for the guest.
/// </summary>
internal static unsafe class Translator
{
    /// <summary>Fills <paramref name="o"/>; returns true when the instruction must end its block.</summary>
    public static bool Translate(in Instruction i, ref Op o)
    {
        o.Eip = i.IP32;
        o.Next = i.NextIP32;
        o.Code = (ushort)i.Code;
        o.Base = 8;
        o.Index = 8;
        if (i.IsInvalid || !FillOperands(in i, ref o))
        {
            o.Fn = &SystemOps.Ud;
            return true;
        }
        bool ends = i.FlowControl != FlowControl.Next;
        o.Fn = Select(in i, ref o, ref ends);
        o.SetsEip = WritesEip(in i) ? (byte)1 : (byte)0;
        if (o.Fn == null)
        {
            o.Fn = &SystemOps.Ud;
            ends = true;
        }
        return ends;
    }

    private static bool FillOperands(in Instruction i, ref Op o)
    {
        bool op0Imm = false;
        for (int k = 0; k < i.OpCount && k < 3; k++)
        {
            OpKind kind = i.GetOpKind(k);
            byte size;
            switch (kind)
            {
                case OpKind.Register:
                {
                    Register reg = i.GetOpRegister(k);
                    size = (byte)Math.Min(4, reg.GetSize());
                    SetOperand(ref o, k, Kind.Reg, (byte)reg.GetNumber(), size);
                    break;
                }
                case OpKind.Memory:
                {
                    if (i.MemoryBase != Register.None && i.MemoryBase.GetSize() != 4)
                    {
                        return false; // 16-bit addressing: not something a 32-bit kernel uses
                    }
                    o.Base = i.MemoryBase == Register.None ? (byte)8 : (byte)i.MemoryBase.GetNumber();
                    o.Index = i.MemoryIndex == Register.None ? (byte)8 : (byte)i.MemoryIndex.GetNumber();
                    o.Scale = (byte)(i.MemoryIndexScale switch { 2 => 1, 4 => 2, 8 => 3, _ => 0 });
                    o.Disp = i.MemoryDisplacement32;
                    o.Seg = SegIndex(i.MemorySegment);
                    size = (byte)Math.Min(4, i.MemorySize.GetSize());
                    SetOperand(ref o, k, Kind.Mem, 0, size);
                    break;
                }
                case OpKind.Immediate8:
                case OpKind.Immediate16:
                case OpKind.Immediate32:
                case OpKind.Immediate8to16:
                case OpKind.Immediate8to32:
                case OpKind.Immediate8_2nd:
                {
                    uint imm = (uint)i.GetImmediate(k);
                    if (k == 0)
                    {
                        o.Imm = imm;
                        op0Imm = true;
                    }
                    else if (k == 1 && !op0Imm)
                    {
                        o.Imm = imm;
                    }
                    else
                    {
                        o.Imm2 = imm;
                    }
                    SetOperand(ref o, k, Kind.Imm, 0, 0);
                    break;
                }
                case OpKind.NearBranch32:
                case OpKind.NearBranch16:
                    o.Imm = i.NearBranch32;
                    SetOperand(ref o, k, Kind.Imm, 0, 4);
                    break;
                default:
                    // string operands ([esi], [edi]) and the like: the handler knows them
                    if (kind is OpKind.MemorySegESI or OpKind.MemorySegSI or OpKind.MemoryESEDI or OpKind.MemoryESDI)
                    {
                        SetOperand(ref o, k, Kind.None, 0, (byte)Math.Min(4, i.MemorySize.GetSize()));
                    }
                    break;
            }
        }
        if (o.Size == 0)
        {
            o.Size = o.Size1 != 0 ? o.Size1 : (byte)4;
        }
        if (o.K1 == Kind.Imm || o.Size1 == 0)
        {
            o.Size1 = o.Size;
        }
        if (i.IsStringInstruction)
        {
            o.Seg = SegIndex(i.SegmentPrefix);
            o.Rep = i.HasRepePrefix ? (byte)1 : i.HasRepnePrefix ? (byte)2 : (byte)0;
        }
        return true;
    }

    private static void SetOperand(ref Op o, int k, byte kind, byte reg, byte size)
    {
        if (k == 0)
        {
            o.K0 = kind;
            o.R0 = reg;
            o.Size = size;
        }
        else if (k == 1)
        {
            o.K1 = kind;
            o.R1 = reg;
            o.Size1 = size;
        }
        else if (kind == Kind.Reg)
        {
            o.Cc = 1; // third operand CL (SHLD/SHRD by CL)
        }
    }

    private static byte SegIndex(Register seg) => seg switch
    {
        Register.FS => 1,
        Register.GS => 2,
        _ => 0,
    };

    private static delegate*<Cpu, ref Op, void> Select(in Instruction i, ref Op o, ref bool ends)
    {
        if (i.Mnemonic == Mnemonic.Wait || X87.IsX87(in i))
        {
            return X87.Select(in i, ref o); // before the condition codes: FCMOVcc has one
        }
        if (i.ConditionCode != ConditionCode.None)
        {
            o.Cc = (byte)(i.ConditionCode - 1);
            if (i.IsJccShortOrNear)
            {
                return Control.SelectJcc(o.Cc);
            }
            if (i.Mnemonic is Mnemonic.Loope or Mnemonic.Loopne)
            {
                return i.Mnemonic == Mnemonic.Loope ? &Control.Loope : &Control.Loopne;
            }
            return i.OpCount == 1 ? &Moves.Setcc : &Moves.Cmov;
        }
        return i.Mnemonic switch
        {
            Mnemonic.Add => Alu.Form<Alu.AddOp>(ref o),
            Mnemonic.Or => Alu.Form<Alu.OrOp>(ref o),
            Mnemonic.Adc => Alu.Form<Alu.AdcOp>(ref o),
            Mnemonic.Sbb => Alu.Form<Alu.SbbOp>(ref o),
            Mnemonic.And => Alu.Form<Alu.AndOp>(ref o),
            Mnemonic.Sub => Alu.Form<Alu.SubOp>(ref o),
            Mnemonic.Xor => Alu.Form<Alu.XorOp>(ref o),
            Mnemonic.Cmp => Alu.Form<Alu.CmpOp>(ref o),
            Mnemonic.Test => Alu.Form<Alu.TestOp>(ref o),
            Mnemonic.Inc => o.K0 == Kind.Reg && o.Size == 4 ? &Alu.Inc32 : &Alu.Inc,
            Mnemonic.Dec => o.K0 == Kind.Reg && o.Size == 4 ? &Alu.Dec32 : &Alu.Dec,
            Mnemonic.Neg => &Alu.Neg,
            Mnemonic.Not => &Alu.Not,
            Mnemonic.Mov => Moves.SelectMov(in i, ref o),
            Mnemonic.Movzx => Moves.SelectMovzx(ref o),
            Mnemonic.Movsx => &Moves.Movsx,
            Mnemonic.Lea => Moves.SelectLea(ref o),
            Mnemonic.Xchg => &Moves.Xchg,
            Mnemonic.Cmpxchg => &Moves.Cmpxchg,
            Mnemonic.Xadd => &Moves.Xadd,
            Mnemonic.Cmpxchg8b => &Moves.Cmpxchg8b,
            Mnemonic.Bswap => &Moves.Bswap,
            Mnemonic.Cbw => &Moves.Cbw,
            Mnemonic.Cwde => &Moves.Cwde,
            Mnemonic.Cwd => &Moves.Cwd,
            Mnemonic.Cdq => &Moves.Cdq,
            Mnemonic.Lahf => &Moves.Lahf,
            Mnemonic.Sahf => &Moves.Sahf,
            Mnemonic.Xlatb => &Moves.Xlat,
            Mnemonic.Rol => Shifts.Select(ref o, 0),
            Mnemonic.Ror => Shifts.Select(ref o, 1),
            Mnemonic.Rcl => Shifts.Select(ref o, 2),
            Mnemonic.Rcr => Shifts.Select(ref o, 3),
            Mnemonic.Shl or Mnemonic.Sal => Shifts.Select(ref o, 4),
            Mnemonic.Shr => Shifts.Select(ref o, 5),
            Mnemonic.Sar => Shifts.Select(ref o, 7),
            Mnemonic.Shld => &Shifts.Shld,
            Mnemonic.Shrd => &Shifts.Shrd,
            Mnemonic.Mul => &MulDiv.Mul,
            Mnemonic.Imul => i.OpCount == 1 ? &MulDiv.Imul1 : i.OpCount == 2 ? &MulDiv.Imul2 : &MulDiv.Imul3,
            Mnemonic.Div => &MulDiv.Div,
            Mnemonic.Idiv => &MulDiv.Idiv,
            Mnemonic.Bt => Bits.SelectBt(ref o, 0),
            Mnemonic.Bts => Bits.SelectBt(ref o, 1),
            Mnemonic.Btr => Bits.SelectBt(ref o, 2),
            Mnemonic.Btc => Bits.SelectBt(ref o, 3),
            // CPUID advertises neither BMI1 nor ABM, so F3 0F BC/BD run as BSF/BSR, as on the
            // hardware they predate; gcc emits `rep bsf` for __builtin_ctz for exactly that reason.
            Mnemonic.Bsf or Mnemonic.Tzcnt => &Bits.Bsf,
            Mnemonic.Bsr or Mnemonic.Lzcnt => &Bits.Bsr,
            Mnemonic.Push => Stack.SelectPush(in i, ref o),
            Mnemonic.Pop => Stack.SelectPop(in i, ref o),
            Mnemonic.Pushad or Mnemonic.Pusha => &Stack.Pushad,
            Mnemonic.Popad or Mnemonic.Popa => &Stack.Popad,
            Mnemonic.Pushfd or Mnemonic.Pushf => &Stack.Pushf,
            Mnemonic.Popfd or Mnemonic.Popf => &Stack.Popf,
            Mnemonic.Leave => &Stack.Leave,
            Mnemonic.Enter => &Stack.Enter,
            Mnemonic.Jmp => Control.SelectJmp(in i, ref o),
            Mnemonic.Call => Control.SelectCall(in i, ref o),
            Mnemonic.Ret => o.K0 == Kind.Imm ? &Control.RetImm : &Control.Ret,
            Mnemonic.Loop => &Control.Loop,
            Mnemonic.Jecxz => &Control.Jecxz,
            Mnemonic.Jcxz => &Control.Jcxz,
            Mnemonic.Movsb or Mnemonic.Movsw or Mnemonic.Movsd when i.IsStringInstruction => &Strings.Movs,
            Mnemonic.Stosb or Mnemonic.Stosw or Mnemonic.Stosd => &Strings.Stos,
            Mnemonic.Lodsb or Mnemonic.Lodsw or Mnemonic.Lodsd => &Strings.Lods,
            Mnemonic.Cmpsb or Mnemonic.Cmpsw or Mnemonic.Cmpsd when i.IsStringInstruction => &Strings.Cmps,
            Mnemonic.Scasb or Mnemonic.Scasw or Mnemonic.Scasd => &Strings.Scas,
            // PAUSE ends its block: a spinning guest leaves Run there (Cpu.Pause.cs).
            Mnemonic.Pause => End(ref ends, &SystemOps.Pause),
            Mnemonic.Nop or Mnemonic.Endbr32 or Mnemonic.Lfence or Mnemonic.Mfence or Mnemonic.Sfence
                or Mnemonic.Prefetchnta or Mnemonic.Prefetcht0 or Mnemonic.Prefetcht1 or Mnemonic.Prefetcht2 => &SystemOps.Nop,
            Mnemonic.Wbinvd or Mnemonic.Invd => &SystemOps.PrivilegedNop,
            Mnemonic.Clts => &SystemOps.Clts,
            Mnemonic.Fxsave or Mnemonic.Fxrstor => &X87.FxState,
            Mnemonic.Verr => &SystemOps.Verr,
            Mnemonic.Verw => &SystemOps.Verw,
            Mnemonic.Clc => &SystemOps.Clc,
            Mnemonic.Stc => &SystemOps.Stc,
            Mnemonic.Cmc => &SystemOps.Cmc,
            Mnemonic.Cld => &SystemOps.Cld,
            Mnemonic.Std => &SystemOps.Std,
            Mnemonic.Cli => &SystemOps.Cli,
            Mnemonic.Sti => &SystemOps.Sti,
            Mnemonic.Cpuid => &SystemOps.Cpuid,
            Mnemonic.Rdtsc => &SystemOps.Rdtsc,
            Mnemonic.Hlt => End(ref ends, &SystemOps.Hlt),
            Mnemonic.Int => &SystemOps.Int,
            Mnemonic.Int3 => &SystemOps.Int3,
            Mnemonic.Into => &SystemOps.Into,
            Mnemonic.Iretd => &SystemOps.Iret,
            Mnemonic.Vmcall => End(ref ends, &SystemOps.Vmcall),
            Mnemonic.In => &SystemOps.In,
            Mnemonic.Out => &SystemOps.Out,
            Mnemonic.Invlpg => End(ref ends, &SystemOps.Invlpg),
            // lguest ran its guest kernel at privilege level 1: these need ring 0 and fault.
            Mnemonic.Rdmsr or Mnemonic.Wrmsr or Mnemonic.Lgdt or Mnemonic.Lidt or Mnemonic.Ltr or Mnemonic.Lldt
                or Mnemonic.Lmsw => &SystemOps.Gp,
            _ => null,
        };
    }

    // The handlers that set EIP on every path (taken or not): the run loop leaves EIP to them.
    private static bool WritesEip(in Instruction i) =>
        i.IsJccShortOrNear || i.Mnemonic is Mnemonic.Jmp or Mnemonic.Call or Mnemonic.Ret or Mnemonic.Loop or Mnemonic.Loope
            or Mnemonic.Loopne or Mnemonic.Jecxz or Mnemonic.Jcxz or Mnemonic.Int or Mnemonic.Int3 or Mnemonic.Into or Mnemonic.Iretd;

    private static delegate*<Cpu, ref Op, void> End(ref bool ends, delegate*<Cpu, ref Op, void> fn)
    {
        ends = true;
        return fn;
    }
}
