using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LguestActors.Host.Simulation;

/// <summary>An input from outside a simulated world, stamped with the step boundary and the virtual time it entered at.</summary>
/// <param name="Boundary">The engine's step boundary (<see cref="LguestActors.Actors.Simulation.Engine.SimulationEngine.Boundaries"/>) it entered before.</param>
/// <param name="Nanoseconds">Virtual time when it entered.</param>
/// <param name="Kind">console (bytes typed) or stop (the user stopped the run; <see cref="Text"/> is the exit line).</param>
internal sealed record RecordedInput(long Boundary, long Nanoseconds, string Kind, byte[] Bytes, int Code = 0, string Text = "")
{
    public const string Console = "console";
    public const string Stop = "stop";
}

/// <summary>
/// A recorded session (<c>--record FILE</c>, replayed by <c>--replay FILE</c>): the command line,
/// the seed, each external input with the step boundary and virtual time it entered at, and the
/// digest the session ended with. Text, a line each:
/// <code>
/// lguest-actors recording 1
/// seed 1
/// arg "64"
/// input 1234 5678900 console 6563686f0d
/// input 2345 9990000 stop 130 "stopped from the console (escape key)"
/// end 4567 12000000 3f2a...
/// </code>
/// </summary>
internal sealed class SessionRecording
{
    public const string Header = "lguest-actors recording 1";

    public ulong Seed { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    public List<RecordedInput> Inputs { get; } = [];

    /// <summary>The digest at the end of the recorded session, or null if it did not end cleanly.</summary>
    public string? EndDigest { get; set; }

    public long EndNanoseconds { get; set; }

    public string Write()
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder(Header).Append('\n');
        text.Append(inv, $"seed {Seed}\n");
        foreach (string arg in Args)
        {
            text.Append("arg ").Append(JsonSerializer.Serialize(arg)).Append('\n');
        }
        foreach (var input in Inputs)
        {
            text.Append(inv, $"input {input.Boundary} {input.Nanoseconds} {input.Kind} ");
            text.Append(input.Kind == RecordedInput.Stop
                ? string.Create(inv, $"{input.Code} {JsonSerializer.Serialize(input.Text)}")
                : Convert.ToHexStringLower(input.Bytes));
            text.Append('\n');
        }
        if (EndDigest is not null)
        {
            text.Append(inv, $"end {EndNanoseconds} {EndDigest}\n");
        }
        return text.ToString();
    }

    /// <exception cref="FormatException">not a recording, or a bad line: the message names the file and the line.</exception>
    public static SessionRecording Parse(string text, string source)
    {
        string[] lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].TrimEnd('\r') != Header)
        {
            throw new FormatException($"{source}: not a recording (its first line is not '{Header}')");
        }
        ulong seed = 0;
        var args = new List<string>();
        var inputs = new List<RecordedInput>();
        string? digest = null;
        long end = 0;
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }
            string[] f = line.Split(' ', 5);
            try
            {
                switch (f[0])
                {
                    case "seed":
                        seed = ulong.Parse(f[1], CultureInfo.InvariantCulture);
                        break;
                    case "arg":
                        args.Add(JsonSerializer.Deserialize<string>(line[4..]) ?? throw new FormatException("null argument"));
                        break;
                    case "input" when f.Length == 5 && f[3] == RecordedInput.Console:
                        inputs.Add(new RecordedInput(long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), f[3], Convert.FromHexString(f[4])));
                        break;
                    case "input" when f.Length == 5 && f[3] == RecordedInput.Stop:
                        string[] stop = f[4].Split(' ', 2);
                        inputs.Add(new RecordedInput(long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), f[3], [],
                            int.Parse(stop[0], CultureInfo.InvariantCulture), JsonSerializer.Deserialize<string>(stop[1]) ?? ""));
                        break;
                    case "end" when f.Length == 3:
                        end = long.Parse(f[1], CultureInfo.InvariantCulture);
                        digest = f[2];
                        break;
                    default:
                        throw new FormatException("expected seed, arg, input or end");
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException or JsonException or IndexOutOfRangeException)
            {
                throw new FormatException($"{source}:{i + 1}: '{(line.Length > 60 ? line[..60] + "..." : line)}' is not a recording line ({e.Message})");
            }
        }
        var recording = new SessionRecording { Seed = seed, Args = args, EndDigest = digest, EndNanoseconds = end };
        recording.Inputs.AddRange(inputs.OrderBy(x => x.Boundary));
        return recording;
    }
}
