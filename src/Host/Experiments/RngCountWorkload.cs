using System.Text.RegularExpressions;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host.Experiments;

/// <summary>
/// run=rng n=N on the sample kernel with an entropy device: N requests of 16 bytes, one line
/// "rng I HEX" each, then a power-off with "rng: done N". The device draws from a source seeded
/// by the trial, so the check knows the bytes: line I must hold the I-th 16 bytes of the stream.
/// A request filled twice (a restart that repeats the side effect) shifts every later line; one
/// lost or repeated shows as a missing or doubled I.
/// </summary>
internal static partial class RngCountWorkload
{
    public const string Name = "rng-count";
    public const int BytesPerRequest = 16;

    public static string CommandLine(int count) => $"run=rng n={count}";

    /// <summary>The trial's entropy: the same stream the check expects.</summary>
    public static IEntropySource Source(int seed) => new SeededEntropySource(unchecked((ulong)(uint)seed), "rng0");

    public static TrialCheck Check(int seed, int count, string output, VmExited? exit)
    {
        var expected = new byte[count * BytesPerRequest];
        Source(seed).Fill(expected);
        var lines = ConsoleCountWorkload.CountNumbered(output, RngLine(), count,
            (n, m) => Convert.FromHexString(m.Groups[2].Value).AsSpan().SequenceEqual(expected.AsSpan((n - 1) * BytesPerRequest, BytesPerRequest)));
        var (guestErrors, problem) = ConsoleCountWorkload.CheckPowerOff(exit, $"rng: done {count}");
        problem ??= lines.Lost > 0 ? $"{lines.Lost} request(s) lost"
            : lines.Refused > 0 ? $"{lines.Refused} request(s) answered with bytes drawn out of turn (a request filled twice)"
            : lines.Duplicated > 0 ? $"{lines.Duplicated} request(s) duplicated"
            : lines.OutOfOrder > 0 ? $"{lines.OutOfOrder} request(s) out of order" : null;
        return new TrialCheck(count, lines.Lost, lines.Duplicated, lines.OutOfOrder, guestErrors, problem);
    }

    /// <summary>When each "rng I HEX" line was written: one request each (<see cref="ConsoleCountWorkload.ServedLines"/>).</summary>
    public static IReadOnlyList<Served> Served(IReadOnlyList<(TimeSpan At, string Text)> writes) => ConsoleCountWorkload.ServedLines(writes, RngLine());

    [GeneratedRegex(@"rng (\d+) ([0-9a-f]{32})\r?\n")]
    private static partial Regex RngLine();
}
