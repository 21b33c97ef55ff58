using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace LguestActors.Host.Configuration;

/// <summary>
/// What Akka's HOCON parser lets through: it reads unclosed braces, an unclosed string or a line
/// of garbage without complaint (a key with no value), so a broken file would surface later as a
/// "missing" key. This finds such a mistake and names its line.
/// </summary>
internal static class HoconSyntax
{
    /// <returns>"line N: ..." for the first mistake, or null.</returns>
    public static string? Check(string text, Config parsed)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(parsed);
        return CheckBrackets(text) ?? CheckValues(text, parsed.Root, "");
    }

    /// <summary>Braces and brackets balance and strings close, outside comments.</summary>
    private static string? CheckBrackets(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '#':
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        i++;
                    }
                    break;
                case '"':
                    int start = line;
                    if (string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0)
                    {
                        int end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                        if (end < 0)
                        {
                            return $"line {start}: a \"\"\" string is never closed";
                        }
                        line += text.AsSpan(i, end - i).Count('\n');
                        i = end + 2;
                        break;
                    }
                    i++;
                    while (i < text.Length && text[i] != '"' && text[i] != '\n')
                    {
                        i += text[i] == '\\' ? 2 : 1;
                    }
                    if (i >= text.Length || text[i] != '"')
                    {
                        return $"line {start}: a quoted string is not closed on its line";
                    }
                    break;
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    char expected = c == '}' ? '{' : '[';
                    if (open.Count == 0 || open.Peek().Bracket != expected)
                    {
                        return $"line {line}: '{c}' closes nothing";
                    }
                    open.Pop();
                    break;
            }
        }
        return open.Count > 0 ? $"line {open.Peek().Line}: '{open.Peek().Bracket}' is never closed" : null;
    }

    /// <summary>Every key has a value: a key with none is garbage the parser swallowed.</summary>
    private static string? CheckValues(string text, HoconValue? value, string path)
    {
        if (value is null || !value.IsObject())
        {
            return null;
        }
        foreach (var (key, child) in value.GetObject().Items)
        {
            string full = path.Length == 0 ? key : $"{path}.{key}";
            if (child.Values.Count == 0)
            {
                string first = key.Split('\n')[0].Trim();
                return $"line {LineOf(text, first)}: '{first}' is not a setting (expected key = value)";
            }
            if (CheckValues(text, child, full) is string error)
            {
                return error;
            }
        }
        return null;
    }

    private static int LineOf(string text, string fragment)
    {
        int at = fragment.Length == 0 ? -1 : text.IndexOf(fragment, StringComparison.Ordinal);
        return at < 0 ? 1 : 1 + text.AsSpan(0, at).Count('\n');
    }
}
