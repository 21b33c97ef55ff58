using LguestActors.Cpu.Tests.Interpreter;

namespace LguestActors.Cpu.Tests.Compile;

/// <summary>Test guests on the compiled engine, and comparisons with the interpreter.</summary>
internal static class CompiledGuest
{
    /// <summary>A <see cref="TestGuest"/> whose blocks are compiled after <paramref name="threshold"/> interpreted runs.</summary>
    public static TestGuest Create(int threshold = 0)
    {
        var g = new TestGuest();
        g.Cpu.CompilerOptions = new CompilerOptions { Threshold = threshold };
        g.Cpu.Engine = CpuEngine.Compiled;
        return g;
    }

    /// <summary>Asserts two CPUs show the same architectural state (registers, EIP, EFLAGS, retired count, CR2).</summary>
    public static void AssertSameState(Cpu expected, Cpu actual, string context)
    {
        uint[] e = [expected.Eax, expected.Ecx, expected.Edx, expected.Ebx, expected.Esp, expected.Ebp, expected.Esi, expected.Edi, expected.Eip, expected.Eflags, expected.Cr2];
        uint[] a = [actual.Eax, actual.Ecx, actual.Edx, actual.Ebx, actual.Esp, actual.Ebp, actual.Esi, actual.Edi, actual.Eip, actual.Eflags, actual.Cr2];
        Assert.True(e.SequenceEqual(a) && expected.Retired == actual.Retired,
            $"{context}: interpreter {string.Join(' ', e.Select(x => x.ToString("x8")))} retired {expected.Retired}; " +
            $"compiled {string.Join(' ', a.Select(x => x.ToString("x8")))} retired {actual.Retired}");
    }
}
