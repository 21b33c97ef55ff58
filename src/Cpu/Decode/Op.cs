using System.Runtime.InteropServices;

namespace LguestActors.Cpu.Decode;

/// <summary>
/// One guest instruction, decoded once by Iced and pre-resolved for the interpreter: the
/// handler to call, register numbers, the parts of the effective address and the immediate.
/// The hot loop reads only this; it never decodes and never allocates.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Op
{
    public delegate*<Cpu, ref Op, void> Fn;
    public uint Eip;
    public uint Next;
    public uint Disp;
    public uint Imm;
    public uint Imm2;

    // Effective address = R[Base] + (R[Index] << Scale) + Disp + SegBase[Seg]; register 8 is
    // always zero (no base / no index), segment 0 is flat, 1 FS, 2 GS.
    public byte Base;
    public byte Index;
    public byte Scale;
    public byte Seg;

    /// <summary>Operand 0 and 1: kind (<see cref="Kind"/>) and register number (8-bit: AL CL DL BL AH CH DH BH).</summary>
    public byte K0;
    public byte K1;
    public byte R0;
    public byte R1;

    /// <summary>Operand size in bytes (1, 2, 4), and the source operand's size (MOVZX, shifts by CL).</summary>
    public byte Size;
    public byte Size1;

    /// <summary>Condition code (tttn) for Jcc/SETcc/CMOVcc; a sub-operation for grouped handlers.</summary>
    public byte Cc;

    /// <summary>0 none, 1 REP/REPE, 2 REPNE.</summary>
    public byte Rep;

    public ushort Code;

    /// <summary>1 when the handler always writes EIP (branches, calls, INT); otherwise the run loop sets EIP to <see cref="Next"/> when it leaves the block after this op.</summary>
    public byte SetsEip;
}

internal static class Kind
{
    public const byte None = 0;
    public const byte Reg = 1;
    public const byte Mem = 2;
    public const byte Imm = 3;
}

/// <summary>A straight-line run of decoded instructions ending at a branch (or a page end).</summary>
internal sealed unsafe class Block
{
    private readonly Op[] _ops;
    private readonly Op[] _fastOps;

    /// <summary><see cref="SecondPagePhys"/> of a block that lies on one page (not page-aligned, so no page's).</summary>
    public const uint OnePage = 1;

    /// <param name="fastOps">The same instructions with the last pair fused into one op (null: none).</param>
    public Block(Op[] ops, int count, uint linearEip, uint physEip, uint secondPagePhys, Op[]? fastOps)
    {
        _ops = ops;
        _fastOps = fastOps ?? ops;
        Ops = (Op*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref ops[0]);
        FastOps = (Op*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _fastOps[0]);
        Count = count;
        FastCount = fastOps?.Length ?? count;
        LinearEip = linearEip;
        PhysEip = physEip;
        SecondPagePhys = secondPagePhys;
        Valid = true;
    }

    /// <summary>The ops, in a pinned array (allocated with GC.AllocateArray pinned).</summary>
    public Op* Ops { get; }

    /// <summary>Instructions in the block (each retires one).</summary>
    public int Count { get; }

    /// <summary>
    /// The ops to run when the whole block fits the budget: <see cref="Ops"/> with a closing
    /// CMP/TEST + Jcc fused into one op (<see cref="FastCount"/> = Count - 1), or Ops itself.
    /// </summary>
    public Op* FastOps { get; }

    public int FastCount { get; }

    public uint LinearEip { get; }

    public uint PhysEip { get; }

    /// <summary>The physical page its last instruction runs into, or <see cref="OnePage"/>.</summary>
    public uint SecondPagePhys { get; }

    public bool Valid { get; set; }

    internal Op[] Array => _ops;

    /// <summary>Instructions the compiled engine's run loop has interpreted in this block so far (Compile/).</summary>
    internal int Heat;

    /// <summary>The compiled region this block is an entry of, once it is hot, and its entry number there.</summary>
    internal Compile.CompiledUnit? Unit;

    internal int UnitEntry;
}
