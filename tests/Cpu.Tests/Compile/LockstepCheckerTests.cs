using LguestActors.Cpu.Memory;
using LguestActors.Cpu.Tests.Interpreter;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Compile;

public sealed class LockstepCheckerTests
{
    private const uint Data = TestGuest.DataBase;

    /// <summary>
    /// A loop summing 20 words; the compiled machine's fifth word is <paramref name="compiledInput"/>,
    /// the interpreter's 1 (it is read late, when the loop runs compiled with the TLB warm).
    /// </summary>
    private static Func<CpuEngine, IGuestMachine> Machines(uint compiledInput) => engine =>
    {
        var memory = new GuestMemory(1 << 20);
        memory.Write(TestGuest.CodeBase, TestGuest.Assemble(TestGuest.CodeBase, a =>
        {
            var top = a.CreateLabel();
            a.mov(esi, Data);
            a.xor(eax, eax);
            a.mov(ecx, 20);
            a.Label(ref top);
            a.add(eax, __dword_ptr[esi + ecx * 4]);
            a.mov(__dword_ptr[esi + 0x100], eax);
            a.dec(ecx);
            a.jnz(top);
            a.hlt();
        }));
        for (uint i = 1; i <= 20; i++)
        {
            memory.WriteU32(Data + 4 * i, i == 5 && engine == CpuEngine.Compiled ? compiledInput : 1);
        }
        var cpu = new Cpu(memory)
        {
            Eip = TestGuest.CodeBase,
            Esp = TestGuest.StackTop,
            CompilerOptions = new CompilerOptions { Threshold = 0 },
            Engine = engine,
        };
        return new ProgramMachine(cpu, 10_000);
    };

    [Fact]
    public void Machines_that_agree_run_to_the_end()
    {
        var run = new LockstepChecker(Machines(compiledInput: 1), new CompilerOptions { Threshold = 0 }).Run();
        Assert.Equal(ExitReason.Halt, ((ProgramMachine)run.Compiled).Exit?.Reason);
        Assert.Equal(20u, run.Compiled.Cpu.Eax);
        Assert.True(run.Steps >= 2, $"{run.Steps} steps");
    }

    [Fact]
    public void A_difference_is_reported_with_the_instruction_that_first_gave_a_different_result()
    {
        var e = Assert.Throws<LockstepDivergenceException>(() =>
            new LockstepChecker(Machines(compiledInput: 2), new CompilerOptions { Threshold = 0 }).Run());

        Assert.Contains("registers differ: EAX: compiled 0x00000015, interpreter 0x00000014", e.Message, StringComparison.Ordinal);
        Assert.Contains("first wrong result: the compiled instruction at ", e.Message, StringComparison.Ordinal);
        Assert.Contains("add eax,[esi+ecx*4]", e.Message, StringComparison.Ordinal);
        Assert.Contains("EAX compiled 0x00000011 interpreter 0x00000010", e.Message, StringComparison.Ordinal); // 15 ones, then 2 vs 1
        Assert.True(e.Step >= 1);
    }
}
