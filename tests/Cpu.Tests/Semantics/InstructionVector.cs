using System.Globalization;

namespace LguestActors.Cpu.Tests.Semantics;

/// <summary>
/// One line of a vector file written by tests/native/oracle.c:
/// <c>form a= b= [c=] f=&lt;in&gt; -&gt; [r=] [r2=] f=&lt;out &amp; m&gt; m=&lt;defined flags&gt;</c>.
/// A missing r/r2 means the SDM leaves that result undefined for these operands.
/// </summary>
internal sealed record InstructionVector(
    int Line, string Text, string Form, ulong A, ulong B, ulong? C, uint FlagsIn, ulong? R, ulong? R2, uint FlagsOut, uint Mask)
{
    public static IEnumerable<InstructionVector> ReadFile(string path)
    {
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0 || text[0] == '#')
            {
                continue;
            }

            yield return Parse(line, text);
        }
    }

    public static InstructionVector Parse(int line, string text)
    {
        string[] halves = text.Split(" -> ");
        if (halves.Length != 2)
        {
            throw new FormatException($"line {line}: no ' -> ' in '{text}'");
        }

        string[] inputs = halves[0].Split(' ');
        var ins = Fields(line, inputs.Skip(1));
        var outs = Fields(line, halves[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return new InstructionVector(
            line,
            text,
            inputs[0],
            ins["a"],
            ins["b"],
            ins.TryGetValue("c", out ulong c) ? c : null,
            (uint)ins["f"],
            outs.TryGetValue("r", out ulong r) ? r : null,
            outs.TryGetValue("r2", out ulong r2) ? r2 : null,
            (uint)outs["f"],
            (uint)outs["m"]);
    }

    private static Dictionary<string, ulong> Fields(int line, IEnumerable<string> tokens)
    {
        var fields = new Dictionary<string, ulong>();
        foreach (string token in tokens)
        {
            int eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !ulong.TryParse(token.AsSpan(eq + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong value))
            {
                throw new FormatException($"line {line}: bad field '{token}'");
            }

            fields[token[..eq]] = value;
        }

        return fields;
    }
}
