using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT. Each binary op is a struct so the JIT
/// specialises the handler forms (reg,reg / reg,imm / reg,mem at 32 bits, and a generic form)
/// for it; flags are recorded lazily.
/// </summary>
internal static unsafe class Alu
{
    internal interface IAluOp
    {
        static abstract uint Do(Cpu c, uint a, uint b, int size);

        static abstract bool Writes { get; }
    }

    public static delegate*<Cpu, ref Op, void> Form<T>(ref Op o) where T : struct, IAluOp
    {
        if (o.Size == 4 && o.K0 == Kind.Reg)
        {
            return o.K1 switch
            {
                Kind.Reg => &RR32<T>,
                Kind.Imm => &RI32<T>,
                _ => &RM32<T>,
            };
        }
        return &Generic<T>;
    }

    private static void RR32<T>(Cpu c, ref Op o) where T : struct, IAluOp
    {
        uint r = T.Do(c, c.R[o.R0], c.R[o.R1], 4);
        if (T.Writes)
        {
            c.R[o.R0] = r;
        }
    }

    private static void RI32<T>(Cpu c, ref Op o) where T : struct, IAluOp
    {
        uint r = T.Do(c, c.R[o.R0], o.Imm, 4);
        if (T.Writes)
        {
            c.R[o.R0] = r;
        }
    }

    private static void RM32<T>(Cpu c, ref Op o) where T : struct, IAluOp
    {
        uint r = T.Do(c, c.R[o.R0], c.Read32(c.Ea(ref o)), 4);
        if (T.Writes)
        {
            c.R[o.R0] = r;
        }
    }

    private static void Generic<T>(Cpu c, ref Op o) where T : struct, IAluOp
    {
        uint b = c.ReadOp1(ref o);
        if (o.K0 == Kind.Reg)
        {
            uint r = T.Do(c, c.GetReg(o.R0, o.Size), b, o.Size);
            if (T.Writes)
            {
                c.SetReg(o.R0, o.Size, r);
            }
        }
        else
        {
            uint ea = c.Ea(ref o);
            var saved = c.SaveLazy();
            uint r = T.Do(c, c.ReadMem(ea, o.Size), b, o.Size);
            if (T.Writes)
            {
                try
                {
                    c.WriteMem(ea, o.Size, r);
                }
                catch (GuestTrap)
                {
                    // The store faulted: the instruction restarts, so it must see the flags
                    // (ADC/SBB's carry in) it started with.
                    c.RestoreLazy(saved);
                    throw;
                }
            }
        }
    }

    internal struct AddOp : IAluOp
    {
        public static bool Writes => true;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            uint r = a + b;
            c.SetLazy(LazyOp.Add, a, b, r, size);
            return r;
        }
    }

    internal struct AdcOp : IAluOp
    {
        public static bool Writes => true;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            bool cin = c.GetCF();
            uint r = a + b + (cin ? 1u : 0u);
            c.SetLazy(LazyOp.Adc, a, b, r, size);
            c._lfCin = cin;
            return r;
        }
    }

    internal struct SubOp : IAluOp
    {
        public static bool Writes => true;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            uint r = a - b;
            c.SetLazy(LazyOp.Sub, a, b, r, size);
            return r;
        }
    }

    internal struct CmpOp : IAluOp
    {
        public static bool Writes => false;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            uint r = a - b;
            c.SetLazy(LazyOp.Sub, a, b, r, size);
            return r;
        }
    }

    internal struct SbbOp : IAluOp
    {
        public static bool Writes => true;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            bool cin = c.GetCF();
            uint r = a - b - (cin ? 1u : 0u);
            c.SetLazy(LazyOp.Sbb, a, b, r, size);
            c._lfCin = cin;
            return r;
        }
    }

    internal struct AndOp : IAluOp
    {
        public static bool Writes => true;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            uint r = a & b;
            c.SetLazy(LazyOp.Logic, a, b, r, size);
            return r;
        }
    }

    internal struct TestOp : IAluOp
    {
        public static bool Writes => false;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            uint r = a & b;
            c.SetLazy(LazyOp.Logic, a, b, r, size);
            return r;
        }
    }

    internal struct OrOp : IAluOp
    {
        public static bool Writes => true;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            uint r = a | b;
            c.SetLazy(LazyOp.Logic, a, b, r, size);
            return r;
        }
    }

    internal struct XorOp : IAluOp
    {
        public static bool Writes => true;

        public static uint Do(Cpu c, uint a, uint b, int size)
        {
            uint r = a ^ b;
            c.SetLazy(LazyOp.Logic, a, b, r, size);
            return r;
        }
    }

    // INC and DEC leave CF alone: remember the current one as the "carry in".
    public static void Inc32(Cpu c, ref Op o)
    {
        bool cf = c.GetCF();
        uint a = c.R[o.R0];
        uint r = a + 1;
        c.SetLazy(LazyOp.Inc, a, 1, r, 4);
        c._lfCin = cf;
        c.R[o.R0] = r;
    }

    public static void Dec32(Cpu c, ref Op o)
    {
        bool cf = c.GetCF();
        uint a = c.R[o.R0];
        uint r = a - 1;
        c.SetLazy(LazyOp.Dec, a, 1, r, 4);
        c._lfCin = cf;
        c.R[o.R0] = r;
    }

    public static void Inc(Cpu c, ref Op o) => IncDec(c, ref o, LazyOp.Inc);

    public static void Dec(Cpu c, ref Op o) => IncDec(c, ref o, LazyOp.Dec);

    private static void IncDec(Cpu c, ref Op o, LazyOp op)
    {
        uint ea = o.K0 == Kind.Mem ? c.Ea(ref o) : 0;
        uint a = o.K0 == Kind.Reg ? c.GetReg(o.R0, o.Size) : c.ReadMem(ea, o.Size);
        uint r = op == LazyOp.Inc ? a + 1 : a - 1;
        Store(c, ref o, ea, r);
        bool cf = c.GetCF();
        c.SetLazy(op, a, 1, r, o.Size);
        c._lfCin = cf;
    }

    public static void Neg(Cpu c, ref Op o)
    {
        uint ea = o.K0 == Kind.Mem ? c.Ea(ref o) : 0;
        uint a = o.K0 == Kind.Reg ? c.GetReg(o.R0, o.Size) : c.ReadMem(ea, o.Size);
        uint r = 0u - a;
        Store(c, ref o, ea, r);
        c.SetLazy(LazyOp.Sub, 0, a, r, o.Size);
    }

    public static void Not(Cpu c, ref Op o)
    {
        uint ea = o.K0 == Kind.Mem ? c.Ea(ref o) : 0;
        uint a = o.K0 == Kind.Reg ? c.GetReg(o.R0, o.Size) : c.ReadMem(ea, o.Size);
        Store(c, ref o, ea, ~a);
    }

    internal static void Store(Cpu c, ref Op o, uint ea, uint value)
    {
        if (o.K0 == Kind.Reg)
        {
            c.SetReg(o.R0, o.Size, value);
        }
        else
        {
            c.WriteMem(ea, o.Size, value);
        }
    }
}
