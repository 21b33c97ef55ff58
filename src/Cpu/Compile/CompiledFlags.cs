using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace LguestActors.Cpu.Compile;

/// <summary>Small flag computations compiled code calls (the JIT inlines them into the region).</summary>
internal static class CompiledFlags
{
    public static readonly MethodInfo EvenParityMethod = Method(nameof(EvenParity));
    public static readonly MethodInfo ResultMethod = Method(nameof(Result));
    public static readonly MethodInfo ShlMethod = Method(nameof(Shl));
    public static readonly MethodInfo ShrMethod = Method(nameof(Shr));
    public static readonly MethodInfo SarMethod = Method(nameof(Sar));
    public static readonly MethodInfo MulMethod = Method(nameof(Mul));

    /// <summary>1 when the low byte of <paramref name="res"/> has an even number of set bits (PF).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EvenParity(uint res) => ~BitOperations.PopCount(res & 0xFF) & 1;

    /// <summary>
    /// Arithmetic flags computed now, as the shift and multiply handlers compute them:
    /// ZF SF PF of <paramref name="res"/> in <paramref name="size"/> bytes, plus
    /// <paramref name="carryOverflow"/> (CF and OF already placed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Result(uint res, int size, uint carryOverflow) => Cpu.ResultFlags(res, size) | carryOverflow;

    // The flags of a shift by a constant count (1..31), as Execute/Shifts.cs computes them:
    // CF the last bit shifted out, OF for SHL the result's sign xor CF, for SHR the operand's sign.

    public static uint Shl(uint a, int count, uint res, int size)
    {
        uint cf = (uint)(((ulong)a << count) >> (size * 8)) & 1;
        uint of = ((res & Cpu.SignBit(size)) != 0 ? 1u : 0u) ^ cf;
        return Cpu.ResultFlags(res, size) | cf | (of != 0 ? Cpu.OF : 0);
    }

    public static uint Shr(uint a, int count, uint res, int size) =>
        Cpu.ResultFlags(res, size) | ((a >> (count - 1)) & 1) | ((a & Cpu.SignBit(size)) != 0 ? Cpu.OF : 0);

    public static uint Sar(uint a, int count, uint res, int size) =>
        Cpu.ResultFlags(res, size) | ((uint)((int)Cpu.SignExtend(a, size) >> (count - 1)) & 1);

    /// <summary>MUL/IMUL: CF and OF when the product overflowed the destination.</summary>
    public static uint Mul(uint res, int size, int overflow) =>
        Cpu.ResultFlags(res, size) | (overflow != 0 ? Cpu.CF | Cpu.OF : 0);

    private static MethodInfo Method(string name) =>
        typeof(CompiledFlags).GetMethod(name, BindingFlags.Static | BindingFlags.Public) ?? throw new InvalidOperationException(name);
}
