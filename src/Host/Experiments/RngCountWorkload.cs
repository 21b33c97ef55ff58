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
        var seen = new int[count + 1];
        int last = 0, outOfOrder = 0, stray = 0, wrong = 0;
        foreach (Match m in RngLine().Matches(output))
        {
            int n = int.Parse(m.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
            if (n < 1 || n > count)
            {
                stray++;
                continue;
            }
            if (seen[n]++ == 0 && n < last)
            {
                outOfOrder++;
            }
            last = Math.Max(last, n);
            if (!Convert.FromHexString(m.Groups[2].Value).AsSpan().SequenceEqual(expected.AsSpan((n - 1) * BytesPerRequest, BytesPerRequest)))
            {
                wrong++;
            }
        }
        int lost = seen.Skip(1).Count(s => s == 0);
        int duplicated = seen.Skip(1).Sum(s => Math.Max(0, s - 1)) + stray + wrong;
        int guestErrors = 0;
        string? problem = null;
        if (exit is null)
        {
            guestErrors++;
            problem = "the guest did not power off within the trial timeout";
        }
        else if (exit.Kind != GuestExitKind.PowerOff || exit.Reason != $"rng: done {count}")
        {
            guestErrors++;
            problem = $"the guest ended {exit.Kind}: {exit.Reason}";
        }
        problem ??= lost > 0 ? $"{lost} request(s) lost"
            : wrong > 0 ? $"{wrong} request(s) answered with bytes drawn out of turn (a request filled twice)"
            : duplicated > 0 ? $"{duplicated} request(s) duplicated"
            : outOfOrder > 0 ? $"{outOfOrder} request(s) out of order" : null;
        return new TrialCheck(count, lost, duplicated, outOfOrder, guestErrors, problem);
    }

    /// <summary>When each "rng I HEX" line was written: one request each (<see cref="ConsoleCountWorkload.ServedLines"/>).</summary>
    public static IReadOnlyList<Served> Served(IReadOnlyList<(TimeSpan At, string Text)> writes) => ConsoleCountWorkload.ServedLines(writes, RngLine());

    [GeneratedRegex(@"rng (\d+) ([0-9a-f]{32})\r?\n")]
    private static partial Regex RngLine();
}
