using LguestActors.Actors.Telemetry;

namespace LguestActors.Actors.Tests.Telemetry;

/// <summary>The repository's one percentile: nearest rank (docs/EXPERIMENTS.md, "Percentiles").</summary>
public sealed class PercentileTests
{
    [Theory]
    [InlineData(0.5, 5)]   // ⌈0.5·10⌉ = 5: the lower middle of an even count
    [InlineData(0.9, 9)]   // ⌈0.9·10⌉ = 9 exactly, not 10 from 9.000000000000002
    [InlineData(0.99, 10)] // ⌈9.9⌉ = 10: the maximum of ten values
    [InlineData(0.1, 1)]
    [InlineData(0.0, 1)]   // p0 is the minimum
    [InlineData(1.0, 10)]  // p100 is the maximum
    [InlineData(0.11, 2)]
    public void Nearest_rank_of_one_to_ten_is_the_value_at_rank_ceiling_p_times_n(double p, double expected)
    {
        double[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

        Assert.Equal(expected, Percentile.NearestRank(values, p));
    }

    [Fact]
    public void The_values_may_come_in_any_order_and_the_result_is_always_one_of_them()
    {
        double[] values = [30, 10, 20, 40];

        Assert.Equal(20, Percentile.NearestRank(values.AsEnumerable(), 0.5));
        Assert.Equal(40, Percentile.NearestRank(values.AsEnumerable(), 0.99));
        Assert.Equal([30, 10, 20, 40], values); // the caller's array is not sorted in place
    }

    [Fact]
    public void P99_of_a_hundred_values_is_the_ninety_ninth_not_the_maximum()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();

        Assert.Equal(99, Percentile.NearestRank(values, 0.99));
        Assert.Equal(50, Percentile.NearestRank(values, 0.5));
    }

    [Fact]
    public void No_values_or_a_fraction_outside_zero_to_one_is_refused_with_a_reason()
    {
        var empty = Assert.Throws<ArgumentException>(() => Percentile.NearestRank(ReadOnlySpan<double>.Empty, 0.5));
        Assert.Contains("no values", empty.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.NearestRank([1.0], 99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.NearestRank([1.0], double.NaN));
    }
}
