using Iced.Intel;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Compile;

/// <summary>Where compiled code holds the arithmetic flags at a point.</summary>
internal enum FlagKind : byte
{
    /// <summary>In the Cpu's lazy-flag fields, as the region found them or a handler left them; the locals mean nothing.</summary>
    Entry,

    /// <summary>In the locals, as the interpreter's record: fOp and fSize say which op.</summary>
    Dynamic,

    /// <summary>The interpreter's record of a statically known op (<see cref="FlagState.Op"/>, size) in fA fB fRes fCin (fEfl for None).</summary>
    Lazy,

    /// <summary>SHL/SAL by a constant: fA the operand, fB the count, fRes the result; flags computed only if read.</summary>
    Shl,

    /// <summary>SHR by a constant, as <see cref="Shl"/>.</summary>
    Shr,

    /// <summary>SAR by a constant, as <see cref="Shl"/>.</summary>
    Sar,

    /// <summary>IMUL/MUL: fRes the low result, fCin 1 when it overflowed.</summary>
    Mul,
}

/// <summary>The static flag state at a point of a region.</summary>
internal readonly record struct FlagState(FlagKind Kind, LazyOp Op, int Size)
{
    public static FlagState Entry { get; } = new(FlagKind.Entry, LazyOp.None, 0);

    public static FlagState Dynamic { get; } = new(FlagKind.Dynamic, LazyOp.None, 0);

    public static FlagState Of(LazyOp op, int size) => new(FlagKind.Lazy, op, size);

    public static FlagState Deferred(FlagKind kind, int size) => new(kind, LazyOp.None, size);

    /// <summary>Its flags are computed only when read (shift, multiply).</summary>
    public bool IsDeferred => Kind >= FlagKind.Shl;

    public FlagState Merge(FlagState other) => this == other ? this : Dynamic;
}

/// <summary>
/// Flag liveness and the static flag state, for one region. Compiled code keeps the
/// interpreter's lazy-flags record in IL locals; a flag result is stored only where something
/// may read it — a condition, ADC/SBB or INC/DEC's carry, or a way out of the region (every
/// block entry has a budget exit, every memory access a fault exit, every handler call reads
/// the flags) — and computed only where a condition or an exit needs it.
/// </summary>
internal static unsafe class FlagAnalysis
{
    /// <summary>For each op of <paramref name="b"/>, the flags that may be read after it.</summary>
    public static uint[] LiveAfter(RegionBlock b, OpPlan[] plans)
    {
        var live = new uint[b.Count];
        uint now = Classifier.AllFlags; // the next block's budget exit, or an exit
        for (int k = b.Count - 1; k >= 0; k--)
        {
            live[k] = now;
            OpPlan p = plans[k];
            if (p.Form == Form.Handler || p.TouchesMemory)
            {
                now = Classifier.AllFlags;
            }
            else
            {
                uint use = p.Use | (p.KeepsCarry && (now & Cpu.CF) != 0 ? Cpu.CF : 0);
                now = (now & ~p.Def) | use;
            }
        }
        return live;
    }

    /// <summary>Every flag live after every op (<see cref="CompilerOptions.FlagLiveness"/> off: each flag result is stored).</summary>
    public static uint[] AllLive(int count)
    {
        var live = new uint[count];
        Array.Fill(live, Classifier.AllFlags);
        return live;
    }

    /// <summary>The flag state after <paramref name="op"/>, given the one before.</summary>
    public static FlagState After(FlagState before, Op* op, in OpPlan plan)
    {
        switch (plan.Form)
        {
            case Form.Handler:
                return FlagState.Entry; // it left them in the Cpu's fields
            case Form.Alu:
                return FlagState.Of(LazyOf(plan.Alu), op->Size);
            case Form.IncDec:
                return FlagState.Of(((Code)op->Code).Mnemonic() == Mnemonic.Inc ? LazyOp.Inc : LazyOp.Dec, op->Size);
            case Form.Neg:
                return FlagState.Of(LazyOp.Sub, op->Size);
            case Form.Shift:
                if (op->K1 != Kind.Imm)
                {
                    return FlagState.Dynamic; // by CL: a count of 0 changes nothing
                }
                if ((op->Imm & 31) == 0)
                {
                    return before;
                }
                return FlagState.Deferred(((Code)op->Code).Mnemonic() switch
                {
                    Mnemonic.Shr => FlagKind.Shr,
                    Mnemonic.Sar => FlagKind.Sar,
                    _ => FlagKind.Shl,
                }, op->Size);
            case Form.Imul2:
            case Form.Imul3:
                return FlagState.Deferred(FlagKind.Mul, op->Size);
            case Form.Mul32:
                return FlagState.Deferred(FlagKind.Mul, 4);
            default:
                return before;
        }
    }

    public static LazyOp LazyOf(AluKind kind) => kind switch
    {
        AluKind.Add => LazyOp.Add,
        AluKind.Adc => LazyOp.Adc,
        AluKind.Sub or AluKind.Cmp => LazyOp.Sub,
        AluKind.Sbb => LazyOp.Sbb,
        _ => LazyOp.Logic,
    };
}
