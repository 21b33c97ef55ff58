using LguestActors.Cpu;
using Xunit.Abstractions;

namespace LguestActors.Actors.Tests.Compile;

/// <summary>The sample kernel's self-tests under the lockstep checker: compiled engine and interpreter side by side.</summary>
public sealed class KernelLockstepTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0)]
    [InlineData(400)]
    public void The_sample_kernel_selftest_agrees_with_the_interpreter_at_every_exit_of_compiled_code(int threshold)
    {
        KernelMachine? compiled = null;
        var checker = new LockstepChecker(engine =>
        {
            var machine = new KernelMachine(engine, "run=selftest");
            if (engine == CpuEngine.Compiled)
            {
                compiled = machine;
            }
            return machine;
        }, new CompilerOptions { Threshold = threshold });

        var run = checker.Run();

        output.WriteLine($"{run.Steps} steps compared; {run.Compiled.Cpu.CompiledStats}");
        output.WriteLine(compiled!.Console);
        Assert.StartsWith("selftest: PASS", compiled.Ended, StringComparison.Ordinal);
        Assert.Contains("selftest: a one-shot clock event comes after the 20 ms asked for: ok", compiled.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", compiled.Console, StringComparison.Ordinal);
        Assert.True(run.Compiled.Cpu.CompiledStats.Regions > 0);
        Assert.Equal(0, run.Compiled.Cpu.CompiledStats.Failures);
        Assert.True(run.Steps > 100, $"only {run.Steps} exits of compiled code were compared");
    }
}
