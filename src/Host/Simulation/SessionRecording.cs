using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LguestActors.Host.Simulation;

/// <summary>An input from outside a simulated world, stamped with the step boundary and the virtual time it entered at.</summary>
/// <param name="Boundary">The engine's step boundary (<see cref="LguestActors.Actors.Simulation.Engine.SimulationEngine.Boundaries"/>) it entered before.</param>
/// <param name="Nanoseconds">Virtual time when it entered.</param>
/// <param name="Kind">console (bytes typed), frame (an Ethernet frame from the host's TAP interface <see cref="Text"/>) or stop (the user stopped the run; <see cref="Text"/> is the exit line).</param>
/// <param name="Line">The recording's line it came from (0 when it was not read from one), for errors that name it.</param>
internal sealed record RecordedInput(long Boundary, long Nanoseconds, string Kind, byte[] Bytes, int Code = 0, string Text = "", int Line = 0)
{
    public const string Console = "console";
    public const string Frame = "frame";
    public const string Stop = "stop";

    /// <summary>An Ethernet frame is at least its header: destination, source, type.</summary>
    public const int MinFrameBytes = 14;
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
/// input 1300 5800000 frame tap0 ffffffffffff0a...0806...
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

    /// <summary>The file it was read from (for errors that name it), or empty.</summary>
    public string Source { get; init; } = "";

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
            text.Append(input.Kind switch
            {
                RecordedInput.Stop => string.Create(inv, $"{input.Code} {JsonSerializer.Serialize(input.Text)}"),
                RecordedInput.Frame => $"{input.Text} {Convert.ToHexStringLower(input.Bytes)}",
                _ => Convert.ToHexStringLower(input.Bytes),
            });
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
                        inputs.Add(new RecordedInput(Number(f[1]), Number(f[2]), f[3], Convert.FromHexString(f[4]), Line: i + 1));
                        break;
                    case "input" when f.Length == 5 && f[3] == RecordedInput.Frame:
                        inputs.Add(ParseFrame(f, i + 1));
                        break;
                    case "input" when f.Length == 5 && f[3] == RecordedInput.Stop:
                        string[] stop = f[4].Split(' ', 2);
                        inputs.Add(new RecordedInput(Number(f[1]), Number(f[2]), f[3], [],
                            int.Parse(stop[0], CultureInfo.InvariantCulture), JsonSerializer.Deserialize<string>(stop[1]) ?? "", i + 1));
                        break;
                    case "end" when f.Length == 3:
                        end = long.Parse(f[1], CultureInfo.InvariantCulture);
                        digest = f[2];
                        break;
                    case "input":
                        throw new FormatException("expected input BOUNDARY NANOSECONDS console HEX, frame DEVICE HEX or stop CODE \"LINE\"");
                    default:
                        throw new FormatException("expected seed, arg, input or end");
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException or JsonException or IndexOutOfRangeException)
            {
                throw new FormatException($"{source}:{i + 1}: '{(line.Length > 60 ? line[..60] + "..." : line)}' is not a recording line ({e.Message})");
            }
        }
        var recording = new SessionRecording { Seed = seed, Args = args, EndDigest = digest, EndNanoseconds = end, Source = source };
        recording.Inputs.AddRange(inputs.OrderBy(x => x.Boundary));
        return recording;
    }

    private static long Number(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary><c>input B NS frame DEVICE HEX</c>: the device is a network interface name, the frame a whole Ethernet frame.</summary>
    private static RecordedInput ParseFrame(string[] f, int line)
    {
        string[] frame = f[4].Split(' ');
        if (frame.Length != 2 || frame[0].Length == 0)
        {
            throw new FormatException("expected frame DEVICE HEX (the interface name, then the frame in hex)");
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(frame[1]);
        }
        catch (FormatException)
        {
            throw new FormatException("the frame is not hex (two digits a byte)");
        }
        if (bytes.Length < RecordedInput.MinFrameBytes)
        {
            throw new FormatException($"a frame of {bytes.Length} bytes: an Ethernet frame has at least {RecordedInput.MinFrameBytes}");
        }
        return new RecordedInput(Number(f[1]), Number(f[2]), RecordedInput.Frame, bytes, Text: frame[0], Line: line);
    }
}
