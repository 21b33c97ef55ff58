using Iced.Intel;
using LguestActors.Cpu.Decode;
using LguestActors.Cpu.Execute;

namespace LguestActors.Cpu.Compile;

/// <summary>How the compiler emits one instruction.</summary>
internal enum Form : byte
{
    /// <summary>A call to the interpreter's own handler, with the registers and flags written back around it.</summary>
    Handler,
    Nop,
    Mov,
    Movzx,
    Movsx,
    Lea,
    XchgRegs,
    Alu,
    IncDec,
    Neg,
    Not,
    Shift,
    Imul2,
    Imul3,
    Mul32,
    Cdq,
    Cwde,
    Push32,
    Pop32,
    Leave,
    Call,
    CallIndirect,
    Ret,
    Jmp,
    JmpIndirect,
    Jcc,
    Loop,
    Jecxz,
    Setcc,
    Cmovcc,
}

/// <summary>The ALU operation of a <see cref="Form.Alu"/> instruction.</summary>
internal enum AluKind : byte
{
    Add,
    Or,
    Adc,
    Sbb,
    And,
    Sub,
    Xor,
    Cmp,
    Test,
}

/// <summary>What the compiler knows of one instruction: its form and its use of the arithmetic flags.</summary>
internal readonly struct OpPlan(Form form, AluKind alu, uint use, uint def, bool touchesMemory)
{
    public Form Form { get; } = form;

    public AluKind Alu { get; } = alu;

    /// <summary>Arithmetic flags (EFLAGS bit values) the instruction reads.</summary>
    public uint Use { get; } = use;

    /// <summary>Arithmetic flags it always overwrites.</summary>
    public uint Def { get; } = def;

    /// <summary>It reads or writes guest memory, so it can fault and leave the region with the flags as they were before it.</summary>
    public bool TouchesMemory { get; } = touchesMemory;

    /// <summary>INC/DEC keep CF: they read it when CF is read after them.</summary>
    public bool KeepsCarry => Form == Form.IncDec;
}

/// <summary>
/// Chooses inline IL or the interpreter's handler for each decoded instruction, mirroring the
/// handler Translator.cs picked, so compiled code does exactly what that handler does (including
/// its choices where the SDM leaves a result undefined). Anything not listed is a handler call.
/// </summary>
internal static unsafe class Classifier
{
    public const uint AllFlags = Cpu.ArithFlags;

    public static OpPlan Plan(Op* op)
    {
        if (IsInterpreterOnly(op))
        {
            return new OpPlan(Form.Handler, 0, AllFlags, AllFlags, true);
        }
        var code = (Code)op->Code;
        Mnemonic m = code.Mnemonic();
        bool mem = op->K0 == Kind.Mem || op->K1 == Kind.Mem;
        if (IsPlainNop(m))
        {
            return Simple(Form.Nop, false);
        }
        switch (m)
        {
            case Mnemonic.Mov:
                return Simple(Form.Mov, mem);
            case Mnemonic.Movzx:
                return Simple(Form.Movzx, mem);
            case Mnemonic.Movsx:
                return Simple(Form.Movsx, mem);
            case Mnemonic.Lea:
                return Simple(Form.Lea, false);
            case Mnemonic.Xchg:
                return Simple(Form.XchgRegs, false);
            case Mnemonic.Add: return Alu(AluKind.Add, mem, 0);
            case Mnemonic.Or: return Alu(AluKind.Or, mem, 0);
            case Mnemonic.Adc: return Alu(AluKind.Adc, mem, Cpu.CF);
            case Mnemonic.Sbb: return Alu(AluKind.Sbb, mem, Cpu.CF);
            case Mnemonic.And: return Alu(AluKind.And, mem, 0);
            case Mnemonic.Sub: return Alu(AluKind.Sub, mem, 0);
            case Mnemonic.Xor: return Alu(AluKind.Xor, mem, 0);
            case Mnemonic.Cmp: return Alu(AluKind.Cmp, mem, 0);
            case Mnemonic.Test: return Alu(AluKind.Test, mem, 0);
            case Mnemonic.Inc:
            case Mnemonic.Dec:
                return new OpPlan(Form.IncDec, 0, 0, AllFlags & ~Cpu.CF, mem);
            case Mnemonic.Neg:
                return new OpPlan(Form.Neg, 0, 0, AllFlags, mem);
            case Mnemonic.Not:
                return Simple(Form.Not, mem);
            case Mnemonic.Shl:
            case Mnemonic.Sal:
            case Mnemonic.Shr:
            case Mnemonic.Sar:
                // By CL the count may be 0 at run time, and then no flag changes: nothing is surely overwritten.
                return new OpPlan(Form.Shift, 0, 0, op->K1 == Kind.Imm && (op->Imm & 31) != 0 ? AllFlags : 0, mem);
            case Mnemonic.Imul:
                return new OpPlan(code.ToOpCode().OpCount == 3 ? Form.Imul3 : Form.Imul2, 0, 0, AllFlags, mem);
            case Mnemonic.Mul:
                return new OpPlan(Form.Mul32, 0, 0, AllFlags, mem);
            case Mnemonic.Cdq:
                return Simple(Form.Cdq, false);
            case Mnemonic.Cwde:
                return Simple(Form.Cwde, false);
            case Mnemonic.Push:
                return Simple(Form.Push32, true);
            case Mnemonic.Pop:
                return Simple(Form.Pop32, true);
            case Mnemonic.Leave:
                return Simple(Form.Leave, true);
            case Mnemonic.Call:
                return Simple(op->K0 == Kind.Imm ? Form.Call : Form.CallIndirect, true);
            case Mnemonic.Ret:
                return Simple(Form.Ret, true);
            case Mnemonic.Jmp:
                return Simple(op->K0 == Kind.Imm ? Form.Jmp : Form.JmpIndirect, mem);
            case Mnemonic.Loop:
                return Simple(Form.Loop, false);
            case Mnemonic.Loope:
            case Mnemonic.Loopne:
                return new OpPlan(Form.Loop, 0, Cpu.ZF, 0, false);
            case Mnemonic.Jecxz:
            case Mnemonic.Jcxz:
                return Simple(Form.Jecxz, false);
            default:
                break;
        }
        if (code.IsJccShortOrNear())
        {
            return new OpPlan(Form.Jcc, 0, CondUse(op->Cc), 0, false);
        }
        return new OpPlan(IsSetcc(m) ? Form.Setcc : Form.Cmovcc, 0, CondUse(op->Cc), 0, mem);
    }

    private static OpPlan Simple(Form form, bool mem) => new(form, 0, 0, 0, mem);

    private static OpPlan Alu(AluKind kind, bool mem, uint use) => new(Form.Alu, kind, use, AllFlags, mem);

    /// <summary>The flags condition code <paramref name="cc"/> (tttn) reads.</summary>
    public static uint CondUse(int cc) => (cc >> 1) switch
    {
        0 => Cpu.OF,
        1 => Cpu.CF,
        2 => Cpu.ZF,
        3 => Cpu.CF | Cpu.ZF,
        4 => Cpu.SF,
        5 => Cpu.PF,
        6 => Cpu.SF | Cpu.OF,
        _ => Cpu.ZF | Cpu.SF | Cpu.OF,
    };

    /// <summary>
    /// True when the instruction runs through its handler: it is not one of the forms above, or
    /// one of them with an operand the inline code does not take (segment, control or debug
    /// registers, 16-bit stack operations, MUL below 32 bits...), or it is #UD.
    /// </summary>
    public static bool IsInterpreterOnly(Op* op)
    {
        if (IsUd(op))
        {
            return true;
        }
        var code = (Code)op->Code;
        OpCodeInfo info = code.ToOpCode();
        for (int k = 0; k < info.OpCount; k++)
        {
            if (!PlainOperand(info.GetOpKind(k)))
            {
                return true;
            }
        }
        Mnemonic m = code.Mnemonic();
        if (IsPlainNop(m))
        {
            return false;
        }
        switch (m)
        {
            case Mnemonic.Mov:
            case Mnemonic.Add:
            case Mnemonic.Or:
            case Mnemonic.Adc:
            case Mnemonic.Sbb:
            case Mnemonic.And:
            case Mnemonic.Sub:
            case Mnemonic.Xor:
            case Mnemonic.Cmp:
            case Mnemonic.Test:
            case Mnemonic.Inc:
            case Mnemonic.Dec:
            case Mnemonic.Neg:
            case Mnemonic.Not:
                return !(op->K0 is Kind.Reg or Kind.Mem);
            case Mnemonic.Movzx:
            case Mnemonic.Movsx:
                return op->K0 != Kind.Reg;
            case Mnemonic.Lea:
                return op->K0 != Kind.Reg || op->K1 != Kind.Mem;
            case Mnemonic.Xchg:
                return op->K0 != Kind.Reg || op->K1 != Kind.Reg;
            case Mnemonic.Shl:
            case Mnemonic.Sal:
            case Mnemonic.Shr:
            case Mnemonic.Sar:
                return !(op->K0 is Kind.Reg or Kind.Mem);
            case Mnemonic.Imul:
                return info.OpCount == 1 || op->K0 != Kind.Reg;
            case Mnemonic.Mul:
                return op->Size != 4;
            case Mnemonic.Cdq:
            case Mnemonic.Cwde:
                return false;
            case Mnemonic.Push:
                return op->Size != 4;
            case Mnemonic.Pop:
                return op->Size != 4 || op->K0 != Kind.Reg;
            case Mnemonic.Leave:
                return code != Code.Leaved;
            case Mnemonic.Call:
            case Mnemonic.Jmp:
                return code.IsCallFar() || code.IsCallFarIndirect() || code.IsJmpFar() || code.IsJmpFarIndirect();
            case Mnemonic.Ret:
                return code is not (Code.Retnd or Code.Retnd_imm16);
            case Mnemonic.Loop:
            case Mnemonic.Loope:
            case Mnemonic.Loopne:
            case Mnemonic.Jecxz:
            case Mnemonic.Jcxz:
                return false;
            default:
                break;
        }
        if (code.IsJccShortOrNear())
        {
            return false;
        }
        ConditionCode cc = code.ConditionCode();
        if (cc == ConditionCode.None)
        {
            return true;
        }
        // SETcc r/m8 and CMOVcc r, r/m
        return IsSetcc(m) ? !(op->K0 is Kind.Reg or Kind.Mem) : !IsCmovcc(m) || op->K0 != Kind.Reg;
    }

    /// <summary>
    /// Instructions with nothing for the compiler to model: emitted as nothing, in line. PAUSE is
    /// not one of them: its handler counts PAUSE-loop exits (Cpu.Pause.cs).
    /// </summary>
    private static bool IsPlainNop(Mnemonic m) => m is Mnemonic.Nop or Mnemonic.Endbr32 or Mnemonic.Lfence or Mnemonic.Mfence
        or Mnemonic.Sfence or Mnemonic.Prefetchnta or Mnemonic.Prefetcht0 or Mnemonic.Prefetcht1 or Mnemonic.Prefetcht2;

    private static bool IsSetcc(Mnemonic m) => m.ToString().StartsWith("Set", StringComparison.Ordinal);

    private static bool IsCmovcc(Mnemonic m) => m.ToString().StartsWith("Cmov", StringComparison.Ordinal);

    private static readonly nint UdHandler = (nint)(delegate*<Cpu, ref Op, void>)&SystemOps.Ud;

    /// <summary>The translator gave the instruction the #UD handler (invalid, or not emulated).</summary>
    private static bool IsUd(Op* op) => (nint)op->Fn == UdHandler;

    /// <summary>Operand kinds inline IL handles: general registers, memory, immediates, near branches.</summary>
    private static bool PlainOperand(OpCodeOperandKind kind) => kind switch
    {
        OpCodeOperandKind.None or OpCodeOperandKind.mem or OpCodeOperandKind.mem_offs
            or OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem
            or OpCodeOperandKind.r8_reg or OpCodeOperandKind.r8_opcode or OpCodeOperandKind.r16_reg or OpCodeOperandKind.r16_rm
            or OpCodeOperandKind.r16_opcode or OpCodeOperandKind.r32_reg or OpCodeOperandKind.r32_rm or OpCodeOperandKind.r32_opcode
            or OpCodeOperandKind.al or OpCodeOperandKind.cl or OpCodeOperandKind.ax or OpCodeOperandKind.eax
            or OpCodeOperandKind.imm8 or OpCodeOperandKind.imm8_const_1 or OpCodeOperandKind.imm8sex16 or OpCodeOperandKind.imm8sex32
            or OpCodeOperandKind.imm16 or OpCodeOperandKind.imm32
            or OpCodeOperandKind.br16_1 or OpCodeOperandKind.br32_1 or OpCodeOperandKind.br16_2 or OpCodeOperandKind.br32_4 => true,
        _ => false,
    };

    /// <summary>A near RET the inline code handles (it may return to one of the region's call sites).</summary>
    public static bool IsReturn(Op* op) => !IsInterpreterOnly(op) && ((Code)op->Code).Mnemonic() == Mnemonic.Ret;

    /// <summary>The block may go on to the next instruction after this one (it is not a branch and not one that ends a block).</summary>
    public static bool FallsThrough(Op* op)
    {
        var code = (Code)op->Code;
        if (IsUd(op))
        {
            return false;
        }
        return code.FlowControl() == FlowControl.Next && code.Mnemonic() is not (Mnemonic.Hlt or Mnemonic.Vmcall or Mnemonic.Invlpg);
    }
}
