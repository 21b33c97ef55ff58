using System.Reflection;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu;

// The members of Cpu that compiled code (Compile/RegionCompiler*.cs) reads and writes, found by
// reflection once; nameof keeps them in step with the fields.
public sealed unsafe partial class Cpu
{
    /// <summary>What the run loop may still retire, as an absolute count: compiled code derives _retired from it for handler calls.</summary>
    internal ulong _jitLimit;

    /// <summary>Runs an instruction's interpreter handler from compiled code.</summary>
    internal static void CallHandler(Cpu c, Op* op) => op->Fn(c, ref *op);

    internal static int CodeEpochOf(Cpu c) => c.Memory.CodeEpoch;

    /// <summary>General register <paramref name="i"/> in x86 order (EAX ECX EDX EBX ESP EBP ESI EDI).</summary>
    internal uint Register(int i) => R[i];

    /// <summary>Lockstep replay: told (EIP, retired count) before each compiled instruction, with registers and flags written back.</summary>
    internal Action<uint, ulong>? _jitTrace;

    internal static void CompiledTrace(Cpu c, uint eip, long leftBefore) => c._jitTrace?.Invoke(eip, c._jitLimit - (ulong)leftBefore);

    /// <summary>Adds the physical pages the write TLB holds (each written since the last flush) to <paramref name="pages"/>.</summary>
    internal void CollectWrittenPages(ISet<uint> pages)
    {
        // the kernel's and the user's write tables: entries [TlbSize, 2*TlbSize) and [3*TlbSize, 4*TlbSize)
        for (int t = 1; t < 4; t += 2)
        {
            TlbEntry* table = _tlb + t * TlbSize;
            for (int i = 0; i < TlbSize; i++)
            {
                if (table[i].Tag != 0)
                {
                    pages.Add(table[i].Phys);
                }
            }
        }
    }

    /// <summary>"0x........ [bytes] disassembly" of the instruction at linear <paramref name="eip"/>, for reports.</summary>
    internal string DescribeInstruction(uint eip)
    {
        var bytes = new byte[15];
        int got = 0;
        for (; got < bytes.Length; got++)
        {
            if (!TryWalk(eip + (uint)got, false, UserMode, out uint pa, out _) || pa >= MemSize)
            {
                break;
            }
            bytes[got] = Mem[pa];
        }
        var decoder = Iced.Intel.Decoder.Create(32, new Iced.Intel.ByteArrayCodeReader(bytes, 0, got), eip);
        decoder.Decode(out Iced.Intel.Instruction instr);
        string hex = Convert.ToHexString(bytes, 0, Math.Max(1, Math.Min(got, instr.Length))).ToLowerInvariant();
        return $"0x{eip:x8} [{hex}] {(instr.IsInvalid ? "(invalid)" : instr.ToString())}";
    }

    internal static class CpuFields
    {
        private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        private const BindingFlags Static = BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public;

        public static readonly FieldInfo Eip = F(nameof(_eip));
        public static readonly FieldInfo Retired = F(nameof(_retired));
        public static readonly FieldInfo JitLeft = F(nameof(_jitLeft));
        public static readonly FieldInfo JitLimit = F(nameof(_jitLimit));
        public static readonly FieldInfo CurOp = F(nameof(_curOp));
        public static readonly FieldInfo CurFirst = F(nameof(_curFirst));
        public static readonly FieldInfo MapEpoch = F(nameof(_mapEpoch));
        public static readonly FieldInfo Stop = F(nameof(_stop));
        public static readonly FieldInfo Eflags = F(nameof(_eflags));
        public static readonly FieldInfo LfOp = F(nameof(_lfOp));
        public static readonly FieldInfo LfSize = F(nameof(_lfSize));
        public static readonly FieldInfo LfA = F(nameof(_lfA));
        public static readonly FieldInfo LfB = F(nameof(_lfB));
        public static readonly FieldInfo LfRes = F(nameof(_lfRes));
        public static readonly FieldInfo LfCin = F(nameof(_lfCin));
        public static readonly MethodInfo CallHandler = M(nameof(Cpu.CallHandler));
        public static readonly MethodInfo CodeEpochOf = M(nameof(Cpu.CodeEpochOf));
        public static readonly MethodInfo CompiledTrace = M(nameof(Cpu.CompiledTrace));
        public static readonly FieldInfo JitMissLa = F(nameof(_jitMissLa));
        public static readonly FieldInfo JitMissInfo = F(nameof(_jitMissInfo));
        public static readonly MethodInfo Cond = typeof(Cpu).GetMethod(nameof(Cpu.Cond), Instance)!;
        public static readonly MethodInfo GetCF = typeof(Cpu).GetMethod(nameof(Cpu.GetCF), Instance)!;

        private static FieldInfo F(string name) =>
            typeof(Cpu).GetField(name, Instance) ?? throw new InvalidOperationException($"Cpu has no field {name}");

        private static MethodInfo M(string name) =>
            typeof(Cpu).GetMethod(name, Static) ?? throw new InvalidOperationException($"Cpu has no static method {name}");
    }
}
