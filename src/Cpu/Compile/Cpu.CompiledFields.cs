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
        public static readonly MethodInfo CompiledRead = M(nameof(Cpu.CompiledRead));
        public static readonly MethodInfo CompiledWrite = M(nameof(Cpu.CompiledWrite));
        public static readonly MethodInfo Cond = typeof(Cpu).GetMethod(nameof(Cpu.Cond), Instance)!;
        public static readonly MethodInfo GetCF = typeof(Cpu).GetMethod(nameof(Cpu.GetCF), Instance)!;

        private static FieldInfo F(string name) =>
            typeof(Cpu).GetField(name, Instance) ?? throw new InvalidOperationException($"Cpu has no field {name}");

        private static MethodInfo M(string name) =>
            typeof(Cpu).GetMethod(name, Static) ?? throw new InvalidOperationException($"Cpu has no static method {name}");
    }
}
