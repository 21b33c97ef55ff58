using LguestActors.Cpu.Loader;
using LguestActors.Testing;
using Xunit.Abstractions;

namespace LguestActors.Cpu.Tests.Compile;

/// <summary>
/// Every guest image, run by the lockstep checker: the compiled engine and the interpreter side
/// by side, compared at every exit of compiled code (registers, EFLAGS, memory written).
/// </summary>
public sealed class LockstepGuestTests(ITestOutputHelper output)
{
    private static byte[] Prebuilt(string name) => File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", name));

    [Theory]
    [InlineData("O0")]
    [InlineData("O2")]
    [InlineData("Os")]
    public void The_selfcheck_guest_agrees_with_the_interpreter_with_every_block_compiled_at_once(string opt)
    {
        var result = StandaloneGuest.Run(Prebuilt($"selfcheck-{opt}.elf"), new StandaloneOptions
        {
            InstructionLimit = 500_000_000,
            Lockstep = true,
            Compiler = new CompilerOptions { Threshold = 0 },
        });

        output.WriteLine($"{result.CheckedSteps} steps compared; {result.Compiled}");
        Assert.True(result.Outcome == StandaloneOutcome.Shutdown, result.ToString());
        Assert.StartsWith("selfcheck: PASS", result.ShutdownReason, StringComparison.Ordinal);
        Assert.True(result.CheckedSteps > 1000, $"only {result.CheckedSteps} exits of compiled code were compared");
        Assert.Equal(0, result.Compiled.Failures);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void The_selfcheck_guest_agrees_with_the_interpreter_with_a_technique_switched_off(bool chain, bool liveness)
    {
        var result = StandaloneGuest.Run(Prebuilt("selfcheck-O2.elf"), new StandaloneOptions
        {
            InstructionLimit = 500_000_000,
            Lockstep = true,
            Compiler = new CompilerOptions { Threshold = 0, ChainRegions = chain, FlagLiveness = liveness },
        });

        Assert.True(result.Outcome == StandaloneOutcome.Shutdown, result.ToString());
        Assert.StartsWith("selfcheck: PASS", result.ShutdownReason, StringComparison.Ordinal);
        Assert.True(result.CheckedSteps > 1000, $"only {result.CheckedSteps} exits of compiled code were compared");
        Assert.Equal(0, result.Compiled.Failures);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(CompilerOptions.DefaultThreshold)]
    public void The_bench_guest_at_a_small_scale_agrees_with_the_interpreter(int threshold)
    {
        var result = StandaloneGuest.Run(Prebuilt("bench.elf"), new StandaloneOptions
        {
            CommandLine = "scale=1",
            InstructionLimit = 2_000_000_000,
            Lockstep = true,
            Compiler = new CompilerOptions { Threshold = threshold },
        });

        output.WriteLine($"{result.CheckedSteps} steps compared; {result.Compiled}");
        Assert.True(result.Outcome == StandaloneOutcome.Shutdown, result.ToString());
        Assert.Contains("bench: scale 1 checksum 0xcf82c8ff", result.ConsoleText, StringComparison.Ordinal);
        Assert.True(result.Compiled.Regions > 10, result.Compiled.ToString());
        Assert.Equal(0, result.Compiled.Failures);
    }

    [Fact]
    public void The_selfcheck_guest_passes_on_the_compiled_engine_with_its_default_threshold()
    {
        var result = StandaloneGuest.Run(Prebuilt("selfcheck-O2.elf"), new StandaloneOptions
        {
            InstructionLimit = 500_000_000,
            Engine = CpuEngine.Compiled,
        });

        Assert.True(result.Outcome == StandaloneOutcome.Shutdown, result.ToString());
        Assert.StartsWith("selfcheck: PASS", result.ShutdownReason, StringComparison.Ordinal);
        Assert.True(result.Compiled.Regions > 0, "nothing was compiled");
        Assert.True(result.Compiled.CompileTime > TimeSpan.Zero);
    }
}
