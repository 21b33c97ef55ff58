using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// MOVS STOS LODS CMPS SCAS in 8/16/32-bit sizes, with REP / REPE / REPNE and DF. Registers are
/// updated after every element, so a page fault in the middle restarts where it stopped.
/// A REP instruction retires as one instruction.
/// </summary>
internal static unsafe class Strings
{
    private static int Step(Cpu c, int size) => (c._eflags & Cpu.DF) != 0 ? -size : size;

    public static void Movs(Cpu c, ref Op o)
    {
        int s = o.Size;
        uint step = (uint)Step(c, s);
        if (o.Rep == 0)
        {
            c.WriteMem(c.R[7], s, c.ReadMem(c.R[6] + c.SegBase[o.Seg], s));
            c.R[6] += step;
            c.R[7] += step;
            return;
        }
        while (c.R[1] != 0)
        {
            c.WriteMem(c.R[7], s, c.ReadMem(c.R[6] + c.SegBase[o.Seg], s));
            c.R[6] += step;
            c.R[7] += step;
            c.R[1]--;
        }
    }

    public static void Stos(Cpu c, ref Op o)
    {
        int s = o.Size;
        uint step = (uint)Step(c, s);
        uint v = c.GetReg(0, s);
        if (o.Rep == 0)
        {
            c.WriteMem(c.R[7], s, v);
            c.R[7] += step;
            return;
        }
        while (c.R[1] != 0)
        {
            c.WriteMem(c.R[7], s, v);
            c.R[7] += step;
            c.R[1]--;
        }
    }

    public static void Lods(Cpu c, ref Op o)
    {
        int s = o.Size;
        uint step = (uint)Step(c, s);
        if (o.Rep == 0)
        {
            c.SetReg(0, s, c.ReadMem(c.R[6] + c.SegBase[o.Seg], s));
            c.R[6] += step;
            return;
        }
        while (c.R[1] != 0)
        {
            c.SetReg(0, s, c.ReadMem(c.R[6] + c.SegBase[o.Seg], s));
            c.R[6] += step;
            c.R[1]--;
        }
    }

    public static void Cmps(Cpu c, ref Op o)
    {
        int s = o.Size;
        uint step = (uint)Step(c, s);
        do
        {
            if (o.Rep != 0 && c.R[1] == 0)
            {
                return;
            }
            uint a = c.ReadMem(c.R[6] + c.SegBase[o.Seg], s);
            uint b = c.ReadMem(c.R[7], s);
            c.SetLazy(LazyOp.Sub, a, b, a - b, s);
            c.R[6] += step;
            c.R[7] += step;
            if (o.Rep == 0)
            {
                return;
            }
            c.R[1]--;
        }
        while (c.GetZF() == (o.Rep == 1));
    }

    public static void Scas(Cpu c, ref Op o)
    {
        int s = o.Size;
        uint step = (uint)Step(c, s);
        uint a = c.GetReg(0, s);
        do
        {
            if (o.Rep != 0 && c.R[1] == 0)
            {
                return;
            }
            uint b = c.ReadMem(c.R[7], s);
            c.SetLazy(LazyOp.Sub, a, b, a - b, s);
            c.R[7] += step;
            if (o.Rep == 0)
            {
                return;
            }
            c.R[1]--;
        }
        while (c.GetZF() == (o.Rep == 1));
    }
}
