using Iced.Intel;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu.Tests.Interpreter;

/// <summary>
/// A small guest for interpreter tests: 1 MiB of memory, code assembled with Iced at
/// <see cref="CodeBase"/>, a stack below <see cref="StackTop"/>, paging off unless a test maps it.
/// </summary>
internal sealed class TestGuest
{
    public const uint CodeBase = 0x1000;
    public const uint HandlerBase = 0x8000;
    public const uint DataBase = 0x20000;
    public const uint StackTop = 0x70000;
    public const uint LguestData = 0x60000;

    public TestGuest(long memorySize = 1 << 20)
    {
        Memory = new GuestMemory(memorySize);
        Cpu = new Cpu(Memory) { Eip = CodeBase, Esp = StackTop };
    }

    public GuestMemory Memory { get; }

    public Cpu Cpu { get; }

    public static byte[] Assemble(uint address, Action<Assembler> build)
    {
        var a = new Assembler(32);
        build(a);
        using var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), address);
        return stream.ToArray();
    }

    /// <summary>Assembles code at <paramref name="address"/> into guest memory; returns its length.</summary>
    public int Load(uint address, Action<Assembler> build)
    {
        byte[] code = Assemble(address, build);
        Memory.Write(address, code);
        return code.Length;
    }

    public void LoadCode(Action<Assembler> build) => Load(CodeBase, build);

    /// <summary>Runs until HLT (or any other exit), failing the test on a budget overrun.</summary>
    public RunExit Run(long budget = 1_000_000)
    {
        RunExit exit = Cpu.Run(budget);
        Assert.True(exit.Reason != ExitReason.BudgetSpent, "the guest did not stop within the budget");
        return exit;
    }

    public void RunToHalt(long budget = 1_000_000)
    {
        RunExit exit = Run(budget);
        Assert.True(exit.Reason == ExitReason.Halt, $"expected HLT, got {exit.Reason}: {Cpu.Fault}");
    }

    /// <summary>Installs an IDT gate to <paramref name="handler"/> (type 0xE interrupt, 0xF trap).</summary>
    public void SetGate(int vector, uint handler, uint type = 0xE) =>
        Cpu.SetIdtEntry(vector, (0x60u << 16) | (handler & 0xFFFF), (handler & 0xFFFF0000) | 0x8000 | (1u << 13) | (type << 8));

    /// <summary>Registers lguest_data at <see cref="LguestData"/> as LGUEST_INIT would.</summary>
    public void InitLguestData(uint irqEnabled = LguestDataLayout.InterruptsOn)
    {
        Assert.True(Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LguestInit, LguestData, 0, 0, 0), out _));
        Memory.WriteU32(LguestData + LguestDataLayout.IrqEnabled, irqEnabled);
    }

    public uint IrqEnabled => Memory.ReadU32(LguestData + LguestDataLayout.IrqEnabled);
}
