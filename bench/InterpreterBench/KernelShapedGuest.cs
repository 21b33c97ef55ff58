using Iced.Intel;
using LguestActors.Cpu.Loader;
using LguestActors.Cpu.Memory;
using static Iced.Intel.AssemblerRegisters;
using Interpreter = LguestActors.Cpu.Cpu;

namespace LguestActors.Bench;

/// <summary>
/// A guest shaped like a kernel as far as the decoded-block cache is concerned: many small
/// functions over many code pages, each run once between TLB flushes (a kernel's SET_PTE and
/// FLUSH_TLB hypercalls drop every cached translation, so almost every block is found again
/// through the slow, hashed lookup). It runs either mapped at PAGE_OFFSET (linear 0xC0000000 +
/// physical, like Linux) or identity-mapped; a block cache whose key hashes badly for one of
/// them shows up as a large gap between the two.
/// </summary>
internal static class KernelShapedGuest
{
    public const uint PageOffset = 0xC0000000;

    private const long MemoryBytes = 32L << 20;
    private const uint MappedBytes = 16u << 20;
    private const uint PageDirectory = 0x01000000;      // physical, above the mapped range
    private const uint CodeBase = 0x00100000;           // physical
    private const uint FunctionsBase = CodeBase + 0x1000;
    private const uint FunctionSlot = 32;
    private const uint TableBase = 0x00400000;          // physical: the function pointers
    private const uint ResultAddress = 0x00500000;      // physical: EAX, EBP at the end
    private const uint ReasonAddress = 0x00500100;      // physical: the SHUTDOWN string
    private const uint StackTop = 0x00800000;           // physical
    private const uint FlushTlb = 5;
    private const uint Shutdown = 2;

    /// <summary>Builds, runs and checks one variant; returns the retired instructions and the wall time.</summary>
    public static (ulong Retired, TimeSpan Elapsed) Run(bool highMapped, int functions, int rounds, LguestActors.Cpu.CpuEngine engine, LguestActors.Cpu.CompilerOptions compiler)
    {
        uint offset = highMapped ? PageOffset : 0;
        var memory = new GuestMemory(MemoryBytes);
        MapLow16MiB(memory, offset);
        WriteCode(memory, offset, functions, rounds);
        memory.Write(ReasonAddress, "kernel-shaped bench done\0"u8);

        var cpu = new Interpreter(memory) { Eip = offset + CodeBase, Esp = offset + StackTop, Eflags = 0x202, CompilerOptions = compiler, Engine = engine };
        cpu.LoadCr3(PageDirectory);
        var options = new StandaloneOptions { InstructionLimit = long.MaxValue, Slice = 1_000_000 };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        StandaloneResult result = StandaloneGuest.Run(cpu, options);
        clock.Stop();
        if (result.Outcome != StandaloneOutcome.Shutdown)
        {
            throw new InvalidOperationException($"kernel-shaped guest ({(highMapped ? "high" : "identity")}-mapped) did not finish: {result}");
        }

        (uint eax, uint ebp) = Expected(functions, rounds);
        uint gotEax = memory.ReadU32(ResultAddress);
        uint gotEbp = memory.ReadU32(ResultAddress + 4);
        if (gotEax != eax || gotEbp != ebp)
        {
            throw new InvalidOperationException($"kernel-shaped guest computed {gotEax:x8}/{gotEbp:x8}, expected {eax:x8}/{ebp:x8}");
        }

        return (result.Retired, clock.Elapsed);
    }

    // Linux without PSE (lguest hid it) maps its kernel with 4 KiB pages: so do we.
    private static void MapLow16MiB(GuestMemory memory, uint offset)
    {
        uint tables = PageDirectory + 0x1000;
        for (uint t = 0; t < MappedBytes >> 22; t++)
        {
            uint table = tables + t * 0x1000;
            memory.WriteU32(PageDirectory + (((offset >> 22) + t) << 2), table | 3);
            for (uint e = 0; e < 1024; e++)
            {
                memory.WriteU32(table + e * 4, (((t << 22) | (e << 12))) | 3);
            }
        }
    }

    private static uint Constant(int k) => (uint)k * 0x9E3779B9u + 1;

    private static void WriteCode(GuestMemory memory, uint offset, int functions, int rounds)
    {
        var main = new Assembler(32);
        var round = main.CreateLabel();
        var next = main.CreateLabel();
        main.xor(eax, eax);
        main.xor(ebp, ebp);
        main.mov(edi, rounds);
        main.Label(ref round);
        main.mov(esi, offset + TableBase);
        main.mov(ecx, functions);
        main.Label(ref next);
        main.call(__dword_ptr[esi]);
        main.add(esi, 4);
        main.dec(ecx);
        main.jnz(next);
        // a kernel's page-table update: the TLB and every cached translation go
        main.push(eax);
        main.mov(eax, FlushTlb);
        main.mov(ebx, 1);
        main.@int(0x1f);
        main.pop(eax);
        main.dec(edi);
        main.jnz(round);
        main.mov(__dword_ptr[offset + ResultAddress], eax);
        main.mov(__dword_ptr[offset + ResultAddress + 4], ebp);
        main.mov(eax, Shutdown);
        main.mov(ebx, ReasonAddress);
        main.mov(ecx, 1);
        main.@int(0x1f);
        memory.Write(CodeBase, Assemble(main, offset + CodeBase));

        for (int k = 0; k < functions; k++)
        {
            uint at = FunctionsBase + (uint)k * FunctionSlot;
            var f = new Assembler(32);
            f.add(eax, Constant(k));
            f.rol(eax, 5);
            f.xor(ebp, eax);
            f.lea(eax, __dword_ptr[eax + ebp * 2]);
            f.ret();
            byte[] code = Assemble(f, offset + at);
            if (code.Length > FunctionSlot)
            {
                throw new InvalidOperationException("a function outgrew its slot");
            }

            memory.Write(at, code);
            memory.WriteU32(TableBase + (uint)k * 4, offset + at);
        }
    }

    private static byte[] Assemble(Assembler a, uint address)
    {
        using var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), address);
        return stream.ToArray();
    }

    /// <summary>What the guest computes, in C#: the run is checked, not just timed.</summary>
    private static (uint Eax, uint Ebp) Expected(int functions, int rounds)
    {
        uint eax = 0;
        uint ebp = 0;
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < functions; k++)
            {
                eax += Constant(k);
                eax = (eax << 5) | (eax >> 27);
                ebp ^= eax;
                eax += ebp * 2;
            }
        }

        return (eax, ebp);
    }
}
