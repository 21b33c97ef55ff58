using System.Globalization;
using System.Text;
using LguestActors.Actors.Telemetry;

namespace LguestActors.Host.Experiments;

/// <summary>
/// Two small plots written as SVG text: no plotting package, readable in any browser. The title
/// has the top line to itself and the legend the line under it, so they never overlap; both axes
/// run from 0 to a round maximum in round steps (<see cref="AxisScale"/>).
/// </summary>
internal static class Svg
{
    private const int Width = 720;
    private const int Height = 380;
    private const int Left = 72;
    private const int Right = 24;
    private const int Top = 58;
    private const int Bottom = 48;
    private const int TitleLine = 22;
    private const int LegendLine = 42;

    /// <summary>
    /// A histogram of <paramref name="values"/> up to their p99 (nearest rank, <see cref="Percentile"/>),
    /// five bins to each tick interval.
    /// </summary>
    public static string Histogram(string title, string xLabel, IReadOnlyList<double> values)
    {
        var svg = Begin(title);
        if (values.Count == 0)
        {
            svg.Append(Text(Width / 2, Height / 2, "no data", "middle"));
            return End(svg);
        }
        double p99 = Percentile.NearestRank(values, 0.99);
        var x = AxisScale.Covering(Math.Max(p99, 1e-3));
        const int binsPerTick = 5;
        int bins = (int)Math.Round(x.Max / x.Step) * binsPerTick;
        double binWidth = x.Max / bins;
        var counts = new int[bins];
        int beyond = 0;
        foreach (double v in values)
        {
            if (v > p99)
            {
                beyond++;
                continue;
            }
            counts[Math.Min(bins - 1, (int)(v / binWidth))]++;
        }
        var y = AxisScale.Covering(counts.Max());
        double w = (Width - Left - Right) / (double)bins;
        for (int i = 0; i < bins; i++)
        {
            double h = (Height - Top - Bottom) * counts[i] / y.Max;
            svg.Append(Rect(Left + (i * w) + 1, Height - Bottom - h, w - 2, h, "#4a78b5"));
        }
        Axes(svg, x, y, xLabel, "recoveries");
        Legend(svg, string.Create(CultureInfo.InvariantCulture, $"n = {values.Count}; {beyond} above p99 ({p99:0.###}) not drawn; bins of {binWidth:0.####}"));
        return End(svg);
    }

    /// <summary>
    /// A rate over time (a line) with vertical marks at the fault instants. Each event counts its
    /// units, so the area under the line is the total the report's table divides by the duration.
    /// </summary>
    public static string Timeline(string title, IReadOnlyList<Served> events, IReadOnlyList<TimeSpan> faults, TimeSpan length, string yLabel)
    {
        var svg = Begin(title);
        var x = AxisScale.Covering(Math.Max(length.TotalSeconds, 1e-3));
        var rate = Rates(events, length, out double bucket);
        var y = AxisScale.Covering(rate.Max());
        double X(double s) => Left + ((Width - Left - Right) * s / x.Max);
        double Y(double r) => Height - Bottom - ((Height - Top - Bottom) * r / y.Max);
        foreach (var f in faults)
        {
            double fx = X(f.TotalSeconds);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{fx:F1}\" y1=\"{Top}\" x2=\"{fx:F1}\" y2=\"{Height - Bottom}\" stroke=\"#d04040\" stroke-opacity=\"0.35\" stroke-width=\"1\"/>\n");
        }
        var points = string.Join(" ", rate.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"{X((i + 0.5) * bucket):F1},{Y(r):F1}")));
        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#4a78b5\" stroke-width=\"2\" points=\"{points}\"/>\n");
        Axes(svg, x, y, "time since boot (s)", yLabel);
        Legend(svg, string.Create(CultureInfo.InvariantCulture, $"blue: rate in buckets of {bucket * 1000:0.###} ms; red: {faults.Count} injected device failures"));
        return End(svg);
    }

    /// <summary>
    /// Units per second in buckets of a round width (about 60 over the run, aligned with the
    /// ticks); each bucket's rate times its width is the units served in it, so the rates add up
    /// to the trial's total.
    /// </summary>
    internal static double[] Rates(IReadOnlyList<Served> events, TimeSpan length, out double bucket)
    {
        var x = AxisScale.Covering(Math.Max(length.TotalSeconds, 1e-3));
        bucket = AxisScale.Nice(x.Max / 60);
        int buckets = Math.Max(1, (int)Math.Ceiling(Math.Round(length.TotalSeconds / bucket, 9)));
        var rate = new double[buckets];
        foreach (var e in events)
        {
            rate[Math.Clamp((int)(e.At.TotalSeconds / bucket), 0, buckets - 1)] += e.Units / bucket;
        }
        return rate;
    }

    private static StringBuilder Begin(string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(Text(Width / 2, TitleLine, title, "middle", 14));
        return svg;
    }

    /// <summary>The legend: its own line under the title, never on it.</summary>
    private static void Legend(StringBuilder svg, string text) => svg.Append(Text(Width / 2, LegendLine, text, "middle", 11));

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static void Axes(StringBuilder svg, AxisScale x, AxisScale y, string xLabel, string yLabel)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        foreach (double t in x.Ticks)
        {
            double fx = Left + ((Width - Left - Right) * t / x.Max);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{fx:F1}\" y1=\"{Height - Bottom}\" x2=\"{fx:F1}\" y2=\"{Height - Bottom + 4}\" stroke=\"black\"/>\n");
            svg.Append(Text(fx, Height - Bottom + 16, x.Label(t), "middle", 11));
        }
        foreach (double t in y.Ticks)
        {
            double fy = Height - Bottom - ((Height - Top - Bottom) * t / y.Max);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left - 4}\" y1=\"{fy:F1}\" x2=\"{Left}\" y2=\"{fy:F1}\" stroke=\"black\"/>\n");
            svg.Append(Text(Left - 6, fy + 4, y.Label(t), "end", 11));
        }
        svg.Append(Text((Left + Width - Right) / 2.0, Height - 10, xLabel, "middle", 12));
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {(Top + Height - Bottom) / 2})\">{Escape(yLabel)}</text>\n");
    }

    private static string Rect(double x, double y, double w, double h, string fill) =>
        string.Create(CultureInfo.InvariantCulture, $"<rect x=\"{x:F1}\" y=\"{y:F1}\" width=\"{Math.Max(0, w):F1}\" height=\"{h:F1}\" fill=\"{fill}\"/>\n");

    private static string Text(double x, double y, string text, string anchor, int size = 12) =>
        string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{y:F1}\" font-size=\"{size}\" text-anchor=\"{anchor}\">{Escape(text)}</text>\n");

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
