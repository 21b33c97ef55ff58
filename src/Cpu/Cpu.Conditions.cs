using System.Runtime.CompilerServices;

namespace LguestActors.Cpu;

/// <summary>A condition code (tttn) as a type, so a Jcc handler is specialised per condition.</summary>
internal interface ICond
{
    static abstract int Cc { get; }
}

internal struct CondO : ICond { public static int Cc => 0; }
internal struct CondNO : ICond { public static int Cc => 1; }
internal struct CondB : ICond { public static int Cc => 2; }
internal struct CondAE : ICond { public static int Cc => 3; }
internal struct CondE : ICond { public static int Cc => 4; }
internal struct CondNE : ICond { public static int Cc => 5; }
internal struct CondBE : ICond { public static int Cc => 6; }
internal struct CondA : ICond { public static int Cc => 7; }
internal struct CondS : ICond { public static int Cc => 8; }
internal struct CondNS : ICond { public static int Cc => 9; }
internal struct CondP : ICond { public static int Cc => 10; }
internal struct CondNP : ICond { public static int Cc => 11; }
internal struct CondL : ICond { public static int Cc => 12; }
internal struct CondGE : ICond { public static int Cc => 13; }
internal struct CondLE : ICond { public static int Cc => 14; }
internal struct CondG : ICond { public static int Cc => 15; }

// Conditions straight from the recorded operands. After CMP/SUB (LazyOp.Sub) the x86 conditions
// are plain comparisons of the operands: B is unsigned a < b, L is signed a < b (SF != OF), and
// so on. Shifting both operands left by 32 - 8*size makes an 8- or 16-bit compare a 32-bit one
// (the sign bit lands in bit 31, stale upper bits fall out). After TEST/AND/OR/XOR CF = OF = 0.
// ZF and SF come from the result whatever the operation. Anything else takes Cond().
public sealed unsafe partial class Cpu
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool CondFast(int cc)
    {
        LazyOp op = _lfOp;
        int sh = 32 - 8 * _lfSize;
        bool r;
        switch (cc >> 1)
        {
            case 1: // B
                if (op == LazyOp.Sub)
                {
                    r = (_lfA << sh) < (_lfB << sh);
                }
                else if (op == LazyOp.Logic)
                {
                    r = false;
                }
                else
                {
                    return Cond(cc);
                }
                break;
            case 2: // Z
                if (op == LazyOp.None)
                {
                    return Cond(cc);
                }
                r = (_lfRes << sh) == 0;
                break;
            case 3: // BE
                if (op == LazyOp.Sub)
                {
                    r = (_lfA << sh) <= (_lfB << sh);
                }
                else if (op == LazyOp.Logic)
                {
                    r = (_lfRes << sh) == 0;
                }
                else
                {
                    return Cond(cc);
                }
                break;
            case 4: // S
                if (op == LazyOp.None)
                {
                    return Cond(cc);
                }
                r = (int)(_lfRes << sh) < 0;
                break;
            case 6: // L
                if (op == LazyOp.Sub)
                {
                    r = (int)(_lfA << sh) < (int)(_lfB << sh);
                }
                else if (op == LazyOp.Logic)
                {
                    r = (int)(_lfRes << sh) < 0;
                }
                else
                {
                    return Cond(cc);
                }
                break;
            case 7: // LE
                if (op == LazyOp.Sub)
                {
                    r = (int)(_lfA << sh) <= (int)(_lfB << sh);
                }
                else if (op == LazyOp.Logic)
                {
                    r = (int)(_lfRes << sh) <= 0;
                }
                else
                {
                    return Cond(cc);
                }
                break;
            default: // O, P: rare after compares
                return Cond(cc);
        }
        return r ^ ((cc & 1) != 0);
    }
}
