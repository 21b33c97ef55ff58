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
    public const uint Trampoline = 0x7000;
    public const uint UserCode = 0x30000;
    public const uint UserStackTop = 0x50000;
    public const uint KernelStackTop = 0x5F000;

    /// <summary>Linux's __USER_CS and __USER_DS: GDT entries 14 and 15 at RPL 3.</summary>
    public const ushort UserCs = 0x73;
    public const ushort UserDs = 0x7B;

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

    /// <summary>
    /// Gives the kernel stack with SET_STACK, loads a ring-1 trampoline that IRETs to ring 3 at
    /// <paramref name="userEip"/> (the way Linux enters a process: SS, ESP, EFLAGS, CS, EIP on the
    /// stack), and starts there. <paramref name="build"/>, if given, is the user code at <see cref="UserCode"/>.
    /// </summary>
    public void StartInUserMode(Action<Assembler>? build = null, uint userEip = UserCode, uint userEsp = UserStackTop, uint eflags = 0x202)
    {
        if (build is not null)
        {
            Load(UserCode, build);
        }
        Assert.True(Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.SetStack, Cpu.KernelDs, KernelStackTop, 2, 0), out _));
        Load(Trampoline, a =>
        {
            a.push(UserDs);
            a.push(userEsp);
            a.push(eflags);
            a.push(UserCs);
            a.push(userEip);
            a.iretd();
        });
        Cpu.Eip = Trampoline;
    }

    /// <summary>
    /// Identity-maps the first 1 MiB with 4 KiB pages, each present, writable and user-accessible
    /// unless <paramref name="flags"/> says otherwise for it, and turns paging on.
    /// </summary>
    public void MapFirstMegabyte(Func<uint, uint>? flags = null)
    {
        const uint pageDir = 0x40000;
        const uint pageTable = 0x41000;
        Memory.WriteU32(pageDir, pageTable | 7);
        for (uint i = 0; i < 256; i++)
        {
            Memory.WriteU32(pageTable + 4 * i, (i << 12) | (flags?.Invoke(i << 12) ?? 7));
        }
        Cpu.LoadCr3(pageDir);
    }

    public uint IrqEnabled => Memory.ReadU32(LguestData + LguestDataLayout.IrqEnabled);
}
