using System.Text;
using LguestActors.Actors.Devices.Console;

namespace LguestActors.Host;

/// <summary>
/// The console of a VM that does not own the terminal (every <c>--vm</c> but the first): its output
/// goes to <paramref name="writer"/> (stderr) a line at a time, each line prefixed <c>[NAME] </c>;
/// it never gets input.
/// </summary>
internal sealed class PrefixedConsoleBackend(string name, TextWriter writer) : IConsoleBackend
{
    private readonly StringBuilder _line = new();
    private readonly Lock _lock = new();

    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            foreach (char c in Encoding.UTF8.GetString(bytes))
            {
                if (c == '\n')
                {
                    writer.WriteLine($"[{name}] {_line}");
                    writer.Flush();
                    _line.Clear();
                }
                else if (c != '\r')
                {
                    _line.Append(c);
                }
            }
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
    {
    }
}
