using System.Text.RegularExpressions;
using Iced.Intel;

namespace LguestActors.Cpu.Tests.Semantics;

/// <summary>
/// Turns a vector into a tiny program: the registers it starts with, the instruction (Iced
/// <see cref="Code"/> + operands) and where its results land. The operand registers are the ones
/// tests/native/oracle.c documents per form. Registers not holding an operand start with a
/// distinct pattern so that a result written too wide, or a register clobbered by mistake, shows.
/// </summary>
internal sealed partial class VectorProgram
{
    public const int Eax = 0, Ecx = 1, Edx = 2, Ebx = 3, Esp = 4, Ebp = 5, Esi = 6, Edi = 7;

    private static readonly uint[] Patterns =
        [0xA1B2C3D4, 0x0F1E2D3C, 0x5A6B7C8D, 0x98765432, 0x00080000, 0x13572468, 0xC0FFEE11, 0x2468ACE0];

    private static readonly string[] ConditionCodes = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

    /// <summary>A result to check: bits [Shift, Shift+Size) of register Reg; Expected null = undefined, only allowed to change.</summary>
    public readonly record struct Result(string Name, int Reg, int Shift, int Size, ulong? Expected);

    public uint[] Registers { get; } = (uint[])Patterns.Clone();

    public List<Result> Results { get; } = [];

    /// <summary>Emits the instruction(s) under test; the caller appends HLT.</summary>
    public Action<Assembler> Emit { get; private set; } = _ => { };

    [GeneratedRegex("^(?<op>[a-z]+?)(?<size>8|16|32)?(?<suffix>_1|_2|_3|i)?$")]
    private static partial Regex FormPattern();

    public static VectorProgram For(InstructionVector v)
    {
        var m = FormPattern().Match(v.Form);
        if (!m.Success)
        {
            throw new FormatException($"line {v.Line}: unknown form '{v.Form}'");
        }

        string op = m.Groups["op"].Value;
        int size = m.Groups["size"].Success ? int.Parse(m.Groups["size"].Value, System.Globalization.CultureInfo.InvariantCulture) : 32;
        string suffix = m.Groups["suffix"].Value;
        var p = new VectorProgram();
        p.Build(v, op, size, suffix);
        return p;
    }

    private void Build(InstructionVector v, string op, int size, string suffix)
    {
        string s = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        switch (op)
        {
            case "add" or "adc" or "sub" or "sbb" or "and" or "or" or "xor" or "cmp" or "test":
                Set(Eax, size, v.A);
                Set(Ecx, size, v.B);
                Single(Instruction.Create(CodeOf($"{Cap(op)}_rm{s}_r{s}"), Reg(Eax, size), Reg(Ecx, size)));
                Expect("r", Eax, 0, size, v.R);
                return;
            case "inc" or "dec" or "neg" or "not":
                Set(Eax, size, v.A);
                Single(Instruction.Create(CodeOf($"{Cap(op)}_rm{s}"), Reg(Eax, size)));
                Expect("r", Eax, 0, size, v.R);
                return;
            case "bswap":
                Set(Eax, 32, v.A);
                Single(Instruction.Create(Code.Bswap_r32, Register.EAX));
                Expect("r", Eax, 0, 32, v.R);
                return;
            case "shl" or "shr" or "sar" or "rol" or "ror" or "rcl" or "rcr":
                Set(Eax, size, v.A);
                Set(Ecx, 8, v.B);
                Single(suffix == "_1"
                    ? Instruction.Create(CodeOf($"{Cap(op)}_rm{s}_1"), Reg(Eax, size), 1)
                    : Instruction.Create(CodeOf($"{Cap(op)}_rm{s}_CL"), Reg(Eax, size), Register.CL));
                Expect("r", Eax, 0, size, v.R);
                return;
            case "shld" or "shrd":
                Set(Eax, size, v.A);
                Set(Edx, size, v.B);
                Set(Ecx, 8, v.C ?? 0);
                Single(Instruction.Create(CodeOf($"{Cap(op)}_rm{s}_r{s}_CL"), Reg(Eax, size), Reg(Edx, size), Register.CL));
                Expect("r", Eax, 0, size, v.R);
                return;
            case "mul" or "imul" when suffix == "":
                Set(Eax, size, v.A);
                Set(Ecx, size, v.B);
                Single(Instruction.Create(CodeOf($"{Cap(op)}_rm{s}"), Reg(Ecx, size)));
                if (size == 8)
                {
                    Expect("r", Eax, 0, 16, v.R);
                }
                else
                {
                    Expect("r", Eax, 0, size, v.R);
                    Expect("r2", Edx, 0, size, v.R2);
                }

                return;
            case "imul" when suffix == "_2":
                Set(Eax, size, v.A);
                Set(Ecx, size, v.B);
                Single(Instruction.Create(CodeOf($"Imul_r{s}_rm{s}"), Reg(Eax, size), Reg(Ecx, size)));
                Expect("r", Eax, 0, size, v.R);
                return;
            case "imul" when suffix == "_3":
            {
                Set(Eax, size, v.A);
                Set(Ecx, size, v.B);
                ulong c = v.C ?? 0;
                int imm = size == 16 ? (short)c : (int)c;
                // The imm8 form when the immediate fits, as an assembler would choose.
                bool small = imm is >= -128 and <= 127;
                Single(Instruction.Create(CodeOf(small ? $"Imul_r{s}_rm{s}_imm8" : $"Imul_r{s}_rm{s}_imm{s}"), Reg(Eax, size), Reg(Ecx, size), imm));
                Expect("r", Eax, 0, size, v.R);
                return;
            }

            case "div" or "idiv":
                if (size == 8)
                {
                    Set(Eax, 16, v.A);
                }
                else
                {
                    Set(Eax, size, v.A & Mask(size));
                    Set(Edx, size, v.A >> size);
                }

                Set(Ecx, size, v.B);
                Single(Instruction.Create(CodeOf($"{Cap(op)}_rm{s}"), Reg(Ecx, size)));
                if (size == 8)
                {
                    Expect("quotient", Eax, 0, 8, v.R);
                    Expect("remainder", Eax, 8, 8, v.R2);
                }
                else
                {
                    Expect("quotient", Eax, 0, size, v.R);
                    Expect("remainder", Edx, 0, size, v.R2);
                }

                return;
            case "bsf" or "bsr":
                Set(Eax, size, v.A);
                Set(Ecx, size, v.B);
                Single(Instruction.Create(CodeOf($"{Cap(op)}_r{s}_rm{s}"), Reg(Eax, size), Reg(Ecx, size)));
                Expect("r", Eax, 0, size, v.R);
                return;
            case "tzcnt":
                // "rep bsf" as gcc emits it; the oracle compares only the result (see oracle.c).
                Set(Eax, size, v.A);
                Set(Ecx, size, v.B);
                Single(Instruction.Create(CodeOf($"Tzcnt_r{s}_rm{s}"), Reg(Eax, size), Reg(Ecx, size)));
                Expect("r", Eax, 0, size, v.R);
                return;
            case "bt" or "bts" or "btr" or "btc":
                Set(Eax, size, v.A);
                if (suffix == "i")
                {
                    Single(Instruction.Create(CodeOf($"{Cap(op)}_rm{s}_imm8"), Reg(Eax, size), (int)v.B));
                }
                else
                {
                    Set(Ecx, size, v.B);
                    Single(Instruction.Create(CodeOf($"{Cap(op)}_rm{s}_r{s}"), Reg(Eax, size), Reg(Ecx, size)));
                }

                Expect("r", Eax, 0, size, v.R);
                return;
            case "xadd":
                Set(Eax, size, v.A);
                Set(Ecx, size, v.B);
                Single(Instruction.Create(CodeOf($"Xadd_rm{s}_r{s}"), Reg(Eax, size), Reg(Ecx, size)));
                Expect("dest", Eax, 0, size, v.R);
                Expect("src", Ecx, 0, size, v.R2);
                return;
            case "cmpxchg":
                Set(Eax, size, v.A);
                Set(Ebx, size, v.B);
                Set(Ecx, size, v.C ?? 0);
                Single(Instruction.Create(CodeOf($"Cmpxchg_rm{s}_r{s}"), Reg(Ebx, size), Reg(Ecx, size)));
                Expect("accumulator", Eax, 0, size, v.R);
                Expect("dest", Ebx, 0, size, v.R2);
                return;
            case "cbw" or "cwde" or "cwd" or "cdq":
                Set(Eax, 32, v.A);
                Single(Instruction.Create(CodeOf(Cap(op))));
                switch (op)
                {
                    case "cbw": Expect("ax", Eax, 0, 16, v.R); break;
                    case "cwde": Expect("eax", Eax, 0, 32, v.R); break;
                    case "cwd": Expect("dx", Edx, 0, 16, v.R); break;
                    default: Expect("edx", Edx, 0, 32, v.R); break;
                }

                return;
        }

        if (op.StartsWith("set", StringComparison.Ordinal) && ConditionCodes.Contains(op[3..]))
        {
            Set(Eax, 8, v.A);
            Single(Instruction.Create(CodeOf($"Set{op[3..]}_rm8"), Register.AL));
            Expect("r", Eax, 0, 8, v.R);
        }
        else if (op.StartsWith("cmov", StringComparison.Ordinal) && ConditionCodes.Contains(op[4..]))
        {
            Set(Eax, size, v.A);
            Set(Ecx, size, v.B);
            Single(Instruction.Create(CodeOf($"Cmov{op[4..]}_r{s}_rm{s}"), Reg(Eax, size), Reg(Ecx, size)));
            Expect("r", Eax, 0, size, v.R);
        }
        else if (op.StartsWith('j') && ConditionCodes.Contains(op[1..]))
        {
            // EAX = 0; jcc taken; hlt; taken: mov eax, 1 (hlt follows). EAX says which way it went.
            Registers[Eax] = 0;
            var code = CodeOf($"J{op[1..]}_rel32_32");
            Emit = asm =>
            {
                var taken = asm.CreateLabel();
                asm.AddInstruction(Instruction.CreateBranch(code, taken.Id));
                asm.hlt();
                asm.Label(ref taken);
                asm.mov(AssemblerRegisters.eax, 1);
            };
            Expect("taken", Eax, 0, 32, v.R);
        }
        else
        {
            throw new FormatException($"line {v.Line}: unknown form '{v.Form}'");
        }
    }

    private void Single(Instruction instruction) => Emit = asm => asm.AddInstruction(instruction);

    private void Set(int reg, int size, ulong value) =>
        Registers[reg] = (uint)((Registers[reg] & ~Mask(size)) | (value & Mask(size)));

    private void Expect(string name, int reg, int shift, int size, ulong? value) =>
        Results.Add(new Result(name, reg, shift, size, value));

    public static ulong Mask(int size) => size >= 64 ? ulong.MaxValue : (1UL << size) - 1;

    private static string Cap(string op) => char.ToUpperInvariant(op[0]) + op[1..];

    private static Code CodeOf(string name) =>
        Enum.TryParse<Code>(name, out var code) ? code : throw new FormatException($"no Iced Code named {name}");

    private static Register Reg(int index, int size) => size switch
    {
        8 => Register.AL + index,
        16 => Register.AX + index,
        _ => Register.EAX + index,
    };
}
