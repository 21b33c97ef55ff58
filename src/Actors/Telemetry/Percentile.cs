namespace LguestActors.Actors.Telemetry;

/// <summary>
/// The one percentile definition of the repository (docs/EXPERIMENTS.md, "Percentiles"): the
/// nearest rank. The p-th percentile of n sorted values is the value at rank ⌈p·n⌉ (1-based),
/// clamped to 1..n: always one of the values, never interpolated, p50 of an even count is the
/// lower middle, p100 is the maximum and p0 the minimum. Every report, plot, summary and
/// benchmark uses it.
/// </summary>
public static class Percentile
{
    /// <summary>The nearest-rank percentile of values already sorted ascending.</summary>
    /// <param name="sorted">Values in ascending order; at least one.</param>
    /// <param name="p">A fraction in 0..1 (0.99 for p99).</param>
    public static double NearestRank(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.IsEmpty)
        {
            throw new ArgumentException("a percentile of no values is undefined", nameof(sorted));
        }
        if (double.IsNaN(p) || p < 0 || p > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "a percentile is a fraction from 0 to 1");
        }
        return sorted[Rank(sorted.Length, p) - 1];
    }

    /// <summary>The nearest-rank percentile of values in any order (sorted here, on a copy).</summary>
    public static double NearestRank(IEnumerable<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values];
        Array.Sort(sorted);
        return NearestRank(sorted, p);
    }

    /// <summary>The 1-based rank ⌈p·n⌉, clamped to 1..n.</summary>
    public static int Rank(int count, double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        // p·n computed in decimal-safe steps: 0.9 × 10 must be rank 9, not 10 (9.000000000000002).
        double exact = Math.Round(p * count, 9);
        return Math.Clamp((int)Math.Ceiling(exact), 1, count);
    }
}
