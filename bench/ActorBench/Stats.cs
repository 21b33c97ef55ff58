namespace LguestActors.Bench.Actors;

/// <summary>Order statistics of a sample (nearest rank: the repository's one percentile, <see cref="LguestActors.Actors.Telemetry.Percentile"/>).</summary>
internal readonly record struct Stats(int Count, double Min, double Median, double P90, double P99, double Max)
{
    public static Stats Of(IReadOnlyCollection<double> samples)
    {
        double[] sorted = [.. samples.Order()];
        if (sorted.Length == 0)
        {
            return default;
        }
        return new Stats(sorted.Length, sorted[0], Rank(sorted, 0.5), Rank(sorted, 0.9), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double q) => LguestActors.Actors.Telemetry.Percentile.NearestRank(sorted, q);
}
