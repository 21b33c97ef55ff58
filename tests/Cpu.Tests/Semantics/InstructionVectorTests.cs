using LguestActors.Testing;
using System.Runtime.InteropServices;
using System.Text;
using Iced.Intel;
using LguestActors.Cpu.Memory;
using LguestActors.Cpu.Tests.Compile;
using LguestActors.Cpu.Tests.Guest;
using Xunit.Abstractions;

namespace LguestActors.Cpu.Tests.Semantics;

/// <summary>
/// Instruction semantics against vectors the real CPU produced (tests/native/oracle.c): each
/// vector becomes "set registers and EFLAGS, the instruction, HLT" on a fresh <see cref="Cpu"/>,
/// and the results and the SDM-defined flags must match. All mismatches of a family are reported
/// together, so one run shows the whole picture.
/// </summary>
public sealed class InstructionVectorTests(ITestOutputHelper output)
{
    private const string VectorFileName = "x86-integer.txt";
    private const uint CodeBase = 0x10000;
    private const uint SlotBytes = 32;
    private const int MaxReported = 150;

    private static readonly Lazy<List<InstructionVector>> AllVectors = new(() =>
        InstructionVector.ReadFile(Path.Combine(AppContext.BaseDirectory, "Semantics", "Vectors", VectorFileName)).ToList());

    /// <summary>Families by the form's leading mnemonic, so a failure names the area to look at.</summary>
    private static readonly Dictionary<string, string[]> Families = new()
    {
        ["arithmetic"] = ["add", "adc", "sub", "sbb", "cmp", "inc", "dec", "neg"],
        ["logic"] = ["and", "or", "xor", "test", "not", "bswap"],
        ["shifts"] = ["shl", "shr", "sar", "shld", "shrd"],
        ["rotates"] = ["rol", "ror", "rcl", "rcr"],
        ["multiply"] = ["mul", "imul"],
        ["divide"] = ["div", "idiv"],
        ["bits"] = ["bsf", "bsr", "tzcnt", "bt", "bts", "btr", "btc"],
        ["exchange"] = ["xadd", "cmpxchg"],
        ["sign extension"] = ["cbw", "cwde", "cwd", "cdq"],
        ["setcc"] = ["set"],
        ["cmovcc"] = ["cmov"],
        ["jcc"] = ["j"],
    };

    public static TheoryData<string> FamilyNames => new(Families.Keys);

    private static string MnemonicOf(string form)
    {
        if (form.StartsWith("set", StringComparison.Ordinal))
        {
            return "set";
        }

        if (form.StartsWith("cmov", StringComparison.Ordinal))
        {
            return "cmov";
        }

        if (form[0] == 'j')
        {
            return "j";
        }

        int end = 0;
        while (end < form.Length && char.IsAsciiLetterLower(form[end]))
        {
            end++;
        }

        return form[..end];
    }

    [Fact]
    public void The_vector_file_covers_every_form_and_every_condition_code()
    {
        var forms = AllVectors.Value.Select(v => v.Form).ToHashSet();
        Assert.True(AllVectors.Value.Count > 5000, $"only {AllVectors.Value.Count} vectors");
        foreach (string cc in new[] { "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g" })
        {
            Assert.Contains($"set{cc}", forms);
            Assert.Contains($"j{cc}", forms);
            Assert.Contains($"cmov{cc}32", forms);
        }

        foreach (string op in new[] { "add", "adc", "sub", "sbb", "and", "or", "xor", "cmp", "test", "inc", "dec", "neg", "not", "shl", "shr", "sar", "rol", "ror", "rcl", "rcr", "mul", "imul", "div", "idiv", "xadd", "cmpxchg" })
        {
            foreach (int size in new[] { 8, 16, 32 })
            {
                Assert.Contains($"{op}{size}", forms);
            }
        }

        // Every vector assembles into a program, and every mnemonic belongs to a family.
        var known = Families.Values.SelectMany(m => m).ToHashSet();
        foreach (var v in AllVectors.Value)
        {
            Assert.Contains(MnemonicOf(v.Form), known);
            _ = Assemble(VectorProgram.For(v), CodeBase);
        }
    }

    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void The_interpreter_matches_the_real_cpu(string family) => CheckFamily(family, compiled: false);

    /// <summary>
    /// Each vector on the compiled engine with the compile threshold at zero (the instruction is
    /// compiled before it first runs), in lockstep with the interpreter (<see cref="LockstepChecker"/>),
    /// and its results checked against the real CPU's.
    /// </summary>
    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void The_compiled_engine_matches_the_interpreter_and_the_real_cpu(string family) => CheckFamily(family, compiled: true);

    private void CheckFamily(string family, bool compiled)
    {
        var mnemonics = Families[family].ToHashSet();
        var vectors = AllVectors.Value.Where(v => mnemonics.Contains(MnemonicOf(v.Form))).ToList();
        Assert.NotEmpty(vectors);

        var memory = new GuestMemory(1 << 20);
        var reference = compiled ? new GuestMemory(1 << 20) : null;
        var mismatches = new List<string>();
        for (int i = 0; i < vectors.Count; i++)
        {
            // Each case gets its own code address, so no decoded-instruction cache can serve a stale one.
            string? problem = Check(vectors[i], memory, reference, CodeBase + (uint)i * SlotBytes);
            if (problem is not null)
            {
                mismatches.Add($"line {vectors[i].Line}: {vectors[i].Text}{Environment.NewLine}    {problem}");
            }
        }

        output.WriteLine($"{family}: {vectors.Count} vectors, {mismatches.Count} mismatches");
        if (mismatches.Count > 0)
        {
            var message = new StringBuilder($"{mismatches.Count} of {vectors.Count} {family} vectors differ from the real CPU:{Environment.NewLine}");
            foreach (string m in mismatches.Take(MaxReported))
            {
                message.AppendLine(m);
            }

            if (mismatches.Count > MaxReported)
            {
                message.AppendLine($"... and {mismatches.Count - MaxReported} more");
            }

            Assert.Fail(message.ToString());
        }
    }

    private static byte[] Assemble(VectorProgram program, uint address)
    {
        var asm = new Assembler(32);
        program.Emit(asm);
        asm.hlt();
        var writer = new ByteWriter();
        asm.Assemble(writer, address);
        Assert.True(writer.Bytes.Count <= SlotBytes, $"program is {writer.Bytes.Count} bytes, more than a {SlotBytes}-byte slot");
        return writer.Bytes.ToArray();
    }

    /// <param name="reference">Null: run the interpreter on <paramref name="memory"/>. Else: the compiled engine on it, in lockstep with the interpreter on this one.</param>
    private static string? Check(InstructionVector v, GuestMemory memory, GuestMemory? reference, uint address)
    {
        var program = VectorProgram.For(v);
        byte[] code = Assemble(program, address);
        memory.Write(address, code);
        reference?.Write(address, code);

        Cpu Start(GuestMemory on, CpuEngine engine) => new(on)
        {
            Eax = program.Registers[VectorProgram.Eax],
            Ecx = program.Registers[VectorProgram.Ecx],
            Edx = program.Registers[VectorProgram.Edx],
            Ebx = program.Registers[VectorProgram.Ebx],
            Esp = program.Registers[VectorProgram.Esp],
            Ebp = program.Registers[VectorProgram.Ebp],
            Esi = program.Registers[VectorProgram.Esi],
            Edi = program.Registers[VectorProgram.Edi],
            Eip = address,
            Eflags = v.FlagsIn | 0x202,
            CompilerOptions = new CompilerOptions { Threshold = 0 },
            Engine = engine,
        };

        Cpu cpu;
        RunExit exit;
        try
        {
            if (reference is null)
            {
                cpu = Start(memory, CpuEngine.Interpreter);
                exit = cpu.Run(16);
            }
            else
            {
                var run = new LockstepChecker(
                    engine => new ProgramMachine(Start(engine == CpuEngine.Compiled ? memory : reference, engine), 16),
                    new CompilerOptions { Threshold = 0 }).Run();
                cpu = run.Compiled.Cpu;
                exit = ((ProgramMachine)run.Compiled).Exit!.Value;
                if (cpu.CompiledStats.Regions == 0)
                {
                    return "nothing was compiled";
                }
            }
        }
        catch (LockstepDivergenceException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is not NotImplementedException)
        {
            return $"the {(reference is null ? "interpreter" : "compiled engine")} threw {e.GetType().Name}: {e.Message}";
        }

        if (exit.Reason != ExitReason.Halt)
        {
            return $"stopped with {exit.Reason} instead of reaching HLT{(cpu.Fault is null ? "" : ": " + cpu.Fault)}";
        }

        uint[] final = [cpu.Eax, cpu.Ecx, cpu.Edx, cpu.Ebx, cpu.Esp, cpu.Ebp, cpu.Esi, cpu.Edi];
        string[] names = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
        var problems = new List<string>();
        var written = new uint[8];
        foreach (var result in program.Results)
        {
            uint bits = (uint)(VectorProgram.Mask(result.Size) << result.Shift);
            written[result.Reg] |= bits;
            ulong got = (final[result.Reg] >> result.Shift) & VectorProgram.Mask(result.Size);
            if (result.Expected is { } want && got != want)
            {
                problems.Add($"{result.Name}: got {got:x} want {want:x}");
            }
        }

        for (int reg = 0; reg < 8; reg++)
        {
            uint keep = ~written[reg];
            if ((final[reg] & keep) != (program.Registers[reg] & keep))
            {
                problems.Add($"{names[reg]} bits outside the result changed: 0x{program.Registers[reg]:x8} -> 0x{final[reg]:x8}");
            }
        }

        uint flags = cpu.Eflags & v.Mask;
        if (flags != v.FlagsOut)
        {
            problems.Add($"flags: got {FlagNames(flags)} want {FlagNames(v.FlagsOut)} (compared: {FlagNames(v.Mask)})");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static string FlagNames(uint flags)
    {
        var names = new List<string>();
        foreach (var (bit, name) in new[] { (0x800u, "OF"), (0x80u, "SF"), (0x40u, "ZF"), (0x10u, "AF"), (0x4u, "PF"), (0x1u, "CF") })
        {
            if ((flags & bit) != 0)
            {
                names.Add(name);
            }
        }

        return names.Count == 0 ? "-" : string.Join(",", names);
    }

    [Fact]
    public void The_committed_vectors_are_what_the_oracle_prints_on_this_cpu()
    {
        bool x64 = RuntimeInformation.OSArchitecture == Architecture.X64;
        if (!Toolchain.Available(Toolchain.HasGcc && x64, "gcc on an x86-64 host", output))
        {
            return;
        }

        string dir = Directory.CreateTempSubdirectory("lguest-oracle-").FullName;
        try
        {
            string source = Path.Combine(RepoPaths.Root, "tests", "native", "oracle.c");
            string binary = Path.Combine(dir, "oracle");
            var build = Toolchain.Run("gcc", $"-O1 -mno-red-zone -o {binary} {source}", dir);
            Assert.True(build.ExitCode == 0, $"building the oracle failed: {build}");
            var run = Toolchain.Run(binary, "", dir);
            Assert.True(run.ExitCode == 0, $"the oracle failed: {run}");

            string committed = Path.Combine(RepoPaths.Root, "tests", "Cpu.Tests", "Semantics", "Vectors", VectorFileName);
            string[] want = File.ReadAllLines(committed);
            string[] got = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int first = Enumerable.Range(0, Math.Min(want.Length, got.Length)).FirstOrDefault(i => want[i] != got[i], -1);
            Assert.True(first < 0 && want.Length == got.Length,
                first >= 0
                    ? $"line {first + 1} differs:{Environment.NewLine}  committed: {want[first]}{Environment.NewLine}  this CPU:  {got[first]}"
                    : $"committed file has {want.Length} lines, the oracle printed {got.Length}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class ByteWriter : CodeWriter
    {
        public List<byte> Bytes { get; } = [];

        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
