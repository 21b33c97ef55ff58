using System.Text.RegularExpressions;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host.Experiments;

/// <summary>What a trial checked: the invariants of its workload.</summary>
/// <param name="Requests">Requests the guest made that the check can account for (lines, sectors).</param>
/// <param name="Lost">Requests the guest made that never took effect.</param>
/// <param name="Duplicated">Requests that took effect more than once.</param>
/// <param name="OutOfOrder">Requests that took effect out of the guest's order (where order is promised).</param>
/// <param name="GuestErrors">Errors the guest saw (IOERR, a FAILED device, a wrong power-off reason, a hang).</param>
/// <param name="Problem">The first thing that went wrong, or null.</param>
internal sealed record TrialCheck(int Requests, int Lost, int Duplicated, int OutOfOrder, int GuestErrors, string? Problem)
{
    public bool Passed => Lost == 0 && Duplicated == 0 && OutOfOrder == 0 && GuestErrors == 0 && Problem is null;

    /// <summary>
    /// Adds the ring-level check: every chain a device took was returned to the guest exactly
    /// once (taken − published = 0). Counted only when a fault plan is active.
    /// </summary>
    public TrialCheck WithRing(long taken, long published, bool counted)
    {
        if (!counted || taken == published)
        {
            return this;
        }
        return taken > published
            ? this with { Lost = Lost + (int)(taken - published), Problem = Problem ?? $"{taken - published} request(s) taken and never returned to the guest" }
            : this with { Duplicated = Duplicated + (int)(published - taken), Problem = Problem ?? $"{published - taken} used entries more than requests taken" };
    }
}

/// <summary>
/// run=count n=N on the sample kernel: the guest prints "count 1" .. "count N", one virtio console
/// request each, flushes, and powers off with "count: done N". Every line must appear exactly once,
/// in order.
/// </summary>
internal static partial class ConsoleCountWorkload
{
    public const string Name = "console-count";

    public static string CommandLine(int count) => $"run=count n={count}";

    public static TrialCheck Check(int count, string output, VmExited? exit)
    {
        var lines = CountNumbered(output, CountLine(), count);
        var (guestErrors, problem) = CheckPowerOff(exit, $"count: done {count}");
        problem ??= lines.Lost > 0 ? $"{lines.Lost} line(s) lost" : lines.Duplicated > 0 ? $"{lines.Duplicated} line(s) duplicated" : lines.OutOfOrder > 0 ? $"{lines.OutOfOrder} line(s) out of order" : null;
        return new TrialCheck(count, lines.Lost, lines.Duplicated, lines.OutOfOrder, guestErrors, problem);
    }

    /// <summary>
    /// Numbered lines 1..<paramref name="count"/> (each match of <paramref name="line"/>, its number in
    /// group 1): each must come exactly once, in order. A number outside 1..count counts as a
    /// duplicate, and so does a line <paramref name="accept"/> refuses (its payload is wrong), which is
    /// also counted in <see cref="NumberedLines.Refused"/>.
    /// </summary>
    internal static NumberedLines CountNumbered(string output, Regex line, int count, Func<int, Match, bool>? accept = null)
    {
        var seen = new int[count + 1];
        int last = 0, outOfOrder = 0, stray = 0, refused = 0;
        foreach (Match m in line.Matches(output))
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
            if (accept is not null && !accept(n, m))
            {
                refused++;
            }
        }
        int lost = seen.Skip(1).Count(s => s == 0);
        int duplicated = seen.Skip(1).Sum(s => Math.Max(0, s - 1)) + stray + refused;
        return new NumberedLines(lost, duplicated, outOfOrder, refused);
    }

    /// <summary>A guest error unless the guest powered off with exactly <paramref name="expectedReason"/> (null: it did not end in time).</summary>
    internal static (int GuestErrors, string? Problem) CheckPowerOff(VmExited? exit, string expectedReason) =>
        exit is null ? (1, "the guest did not power off within the trial timeout")
        : exit.Kind != GuestExitKind.PowerOff || exit.Reason != expectedReason ? (1, $"the guest ended {exit.Kind}: {exit.Reason}")
        : (0, null);

    /// <summary>
    /// When each "count N" line was written, one unit each, stamped with the write that ended it:
    /// the same lines <see cref="Check"/> counts, even when one write carries several lines (the
    /// console coalesces) or a line is split over two writes.
    /// </summary>
    public static IReadOnlyList<Served> Served(IReadOnlyList<(TimeSpan At, string Text)> writes) => ServedLines(writes, CountLine());

    /// <summary>One unit for each match of <paramref name="line"/> in the console output, stamped with the write that ended it.</summary>
    internal static IReadOnlyList<Served> ServedLines(IReadOnlyList<(TimeSpan At, string Text)> writes, Regex line)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var ends = new int[writes.Count];
        var output = new System.Text.StringBuilder();
        for (int i = 0; i < writes.Count; i++)
        {
            output.Append(writes[i].Text);
            ends[i] = output.Length;
        }
        var served = new List<Served>();
        int write = 0;
        foreach (Match m in line.Matches(output.ToString()))
        {
            int end = m.Index + m.Length;
            while (write < ends.Length - 1 && ends[write] < end)
            {
                write++;
            }
            served.Add(new Served(writes[write].At, 1));
        }
        return served;
    }

    [GeneratedRegex(@"^count (\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex CountLine();
}

/// <summary>What <see cref="ConsoleCountWorkload.CountNumbered"/> found: duplicates include strays and refused lines.</summary>
internal readonly record struct NumberedLines(int Lost, int Duplicated, int OutOfOrder, int Refused);
