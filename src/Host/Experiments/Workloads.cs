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
        var seen = new int[count + 1];
        int last = 0, outOfOrder = 0, stray = 0;
        foreach (Match m in CountLine().Matches(output))
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
        }
        int lost = seen.Skip(1).Count(s => s == 0);
        int duplicated = seen.Skip(1).Sum(s => Math.Max(0, s - 1)) + stray;
        string expectedReason = $"count: done {count}";
        int guestErrors = 0;
        string? problem = null;
        if (exit is null)
        {
            guestErrors++;
            problem = "the guest did not power off within the trial timeout";
        }
        else if (exit.Kind != GuestExitKind.PowerOff || exit.Reason != expectedReason)
        {
            guestErrors++;
            problem = $"the guest ended {exit.Kind}: {exit.Reason}";
        }
        problem ??= lost > 0 ? $"{lost} line(s) lost" : duplicated > 0 ? $"{duplicated} line(s) duplicated" : outOfOrder > 0 ? $"{outOfOrder} line(s) out of order" : null;
        return new TrialCheck(count, lost, duplicated, outOfOrder, guestErrors, problem);
    }

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
