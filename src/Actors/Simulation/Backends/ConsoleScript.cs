using System.Globalization;
using System.Text;

namespace LguestActors.Actors.Simulation.Backends;

/// <summary>
/// Console input for a simulated run: bytes typed at virtual times (<c>--simulate ... --input FILE</c>).
/// The file is text, a line at a time:
/// <code>
/// # a comment
/// @2s          the input below is typed at virtual time 2 s (from the start of the run)
/// echo hello   typed as "echo hello" and Enter (a carriage return, as a raw terminal sends it)
/// @+500ms      500 ms of virtual time after the input before
/// poweroff
/// </code>
/// Escapes in text lines: <c>\r \n \t \\ \xNN</c>; a text line ending in a lone <c>\</c> gets no Enter.
/// Text before any <c>@</c> line is typed at time 0.
/// </summary>
public sealed class ConsoleScript
{
    public ConsoleScript(IReadOnlyList<(TimeSpan At, byte[] Bytes)> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Inputs = inputs;
    }

    public static ConsoleScript Empty { get; } = new([]);

    /// <summary>Each chunk with the virtual time it is typed at, in time order.</summary>
    public IReadOnlyList<(TimeSpan At, byte[] Bytes)> Inputs { get; }

    /// <summary>Types <paramref name="text"/> (UTF-8) at <paramref name="at"/>.</summary>
    public static ConsoleScript At(TimeSpan at, string text) => new([(at, Encoding.UTF8.GetBytes(text))]);

    /// <summary>Reads a script file.</summary>
    /// <exception cref="FormatException">a bad line: the message names the file, the line and what was expected.</exception>
    public static ConsoleScript Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var inputs = new List<(TimeSpan, byte[])>();
        var at = TimeSpan.Zero;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (i == lines.Length - 1 && line.Length == 0)
            {
                break; // the file's final newline
            }
            if (line.StartsWith('#'))
            {
                continue;
            }
            if (line.StartsWith('@'))
            {
                string spec = line[1..].Trim();
                bool relative = spec.StartsWith('+');
                if (!TryParseDuration(relative ? spec[1..] : spec, out var t))
                {
                    throw new FormatException($"{source}:{i + 1}: '{line}' is not a time: expected @DURATION or @+DURATION, like @2s, @1.5s, @+500ms, @250us");
                }
                var next = relative ? at + t : t;
                if (next < at)
                {
                    throw new FormatException($"{source}:{i + 1}: '{line}' goes back in time (the input before is at {at.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)");
                }
                at = next;
                continue;
            }
            inputs.Add((at, Unescape(line, source, i + 1)));
        }
        return new ConsoleScript(inputs);
    }

    /// <summary>A duration: a number (decimals allowed) and a unit: s, ms, us or ns.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        var units = new (string Suffix, double Ticks)[] { ("ms", TimeSpan.TicksPerMillisecond), ("us", 10), ("ns", 0.01), ("s", TimeSpan.TicksPerSecond) };
        foreach (var (suffix, ticks) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v)
                && v * ticks < TimeSpan.MaxValue.Ticks)
            {
                duration = TimeSpan.FromTicks((long)Math.Round(v * ticks));
                return true;
            }
        }
        return false;
    }

    private static byte[] Unescape(string line, string source, int number)
    {
        var bytes = new List<byte>();
        bool enter = true;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c != '\\')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }
            if (i == line.Length - 1)
            {
                enter = false;
                break;
            }
            char e = line[++i];
            switch (e)
            {
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case 'x' when i + 2 < line.Length && byte.TryParse(line.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b):
                    bytes.Add(b);
                    i += 2;
                    break;
                default:
                    throw new FormatException($"{source}:{number}: unknown escape '\\{e}': expected \\r \\n \\t \\\\ or \\xNN");
            }
        }
        if (enter)
        {
            bytes.Add((byte)'\r');
        }
        return [.. bytes];
    }
}
