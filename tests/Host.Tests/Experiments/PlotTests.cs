using System.Globalization;
using System.Text.RegularExpressions;
using LguestActors.Host.Experiments;

namespace LguestActors.Host.Tests.Experiments;

/// <summary>The experiment report's plots: round axes, a title the legend does not cover, a throughput that counts what its axis says.</summary>
public sealed partial class PlotTests
{
    [Theory]
    [InlineData(374, 100, 400, "0,100,200,300,400")]
    [InlineData(2.3, 0.5, 2.5, "0.0,0.5,1.0,1.5,2.0,2.5")]
    [InlineData(0.902, 0.2, 1.0, "0.0,0.2,0.4,0.6,0.8,1.0")]
    [InlineData(0.0865, 0.02, 0.1, "0.00,0.02,0.04,0.06,0.08,0.10")]
    [InlineData(12483, 5000, 15000, "0;5,000;10,000;15,000")]
    [InlineData(100, 20, 100, "0,20,40,60,80,100")]
    public void An_axis_runs_from_zero_to_a_round_maximum_in_round_steps(double dataMax, double step, double max, string labels)
    {
        var axis = AxisScale.Covering(dataMax);

        Assert.Equal(step, axis.Step, 9);
        Assert.Equal(max, axis.Max, 9);
        string separator = labels.Contains(';', StringComparison.Ordinal) ? ";" : ",";
        Assert.Equal(labels, string.Join(separator, axis.Ticks.Select(axis.Label)));
    }

    [Fact]
    public void Console_lines_are_counted_one_each_even_when_a_write_carries_several_or_splits_one()
    {
        var writes = new List<(TimeSpan At, string Text)>
        {
            (TimeSpan.FromMilliseconds(10), "boot banner\ncount 1\ncount 2\ncount 3\n"),
            (TimeSpan.FromMilliseconds(20), "count 4\ncou"),
            (TimeSpan.FromMilliseconds(30), "nt 5\n"),
        };

        var served = ConsoleCountWorkload.Served(writes);

        Assert.Equal([10, 10, 10, 20, 30], served.Select(s => s.At.TotalMilliseconds));
        Assert.All(served, s => Assert.Equal(1, s.Units));
    }

    [Fact]
    public void The_plotted_rate_adds_up_to_the_units_the_table_divides_by_the_duration()
    {
        // 3,481 requests in one second, eight to a console write: the plot once counted the
        // writes (435/s) while the table counted the requests.
        var length = TimeSpan.FromSeconds(1);
        var served = Enumerable.Range(0, 3481).Select(i => new Served(TimeSpan.FromSeconds(i / 3481.0), 1)).ToList();

        var rates = Svg.Rates(served, length, out double bucket);

        Assert.Equal(3481, rates.Sum() * bucket, 6);
        Assert.InRange(rates.Average(), 3481 * 0.95, 3481 * 1.05);
        Assert.Equal(0.02, bucket, 9); // a round bucket: 50 of them over 0..1 s
    }

    [Fact]
    public void The_title_and_the_legend_are_on_lines_of_their_own_and_the_ticks_are_round()
    {
        var served = Enumerable.Range(0, 500).Select(i => new Served(TimeSpan.FromMilliseconds(i * 1.8), 1)).ToList();

        string svg = Svg.Timeline("block-campaign: trial 27 (seed 1392730835 schedule 1), sectors written or read over virtual time", served,
            [TimeSpan.FromMilliseconds(100)], TimeSpan.FromMilliseconds(902), "sectors written or read / s");

        var texts = TextElement().Matches(svg).Select(m => (Y: double.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture), Size: int.Parse(m.Groups["size"].Value, CultureInfo.InvariantCulture), Anchor: m.Groups["anchor"].Value, Text: m.Groups["text"].Value)).ToList();
        var title = texts[0];
        var legend = Assert.Single(texts, t => t.Text.StartsWith("blue:", StringComparison.Ordinal));
        Assert.True(legend.Y - legend.Size >= title.Y + 2, $"legend at y={legend.Y} overlaps the title at y={title.Y}");
        // x ticks on the time axis, under it: 0, 0.2 … 1.0 s; y ticks, left of it: 0, 100, 200 … (the rate peaks near 560/s).
        var yTicks = texts.Where(t => t.Anchor == "end" && t.Size == 11).Select(t => double.Parse(t.Text, NumberStyles.Number, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(0, yTicks[0]);
        Assert.All(yTicks, v => Assert.Equal(0, v % 100));
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], texts.Where(t => t.Y > 330 && t.Size == 11 && t.Anchor == "middle").Select(t => t.Text));
    }

    [GeneratedRegex("<text x=\"[^\"]+\" y=\"(?<y>[^\"]+)\" font-size=\"(?<size>\\d+)\" text-anchor=\"(?<anchor>[a-z]+)\">(?<text>[^<]*)</text>")]
    private static partial Regex TextElement();
}
