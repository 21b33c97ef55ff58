using System.Globalization;
using System.Text;

namespace LguestActors.Host.Experiments;

/// <summary>Two small plots written as SVG text: no plotting package, readable in any browser.</summary>
internal static class Svg
{
    private const int Width = 720;
    private const int Height = 360;
    private const int Left = 64;
    private const int Right = 20;
    private const int Top = 36;
    private const int Bottom = 48;

    /// <summary>A histogram of <paramref name="values"/> (milliseconds) in <paramref name="bins"/> bins.</summary>
    public static string Histogram(string title, string xLabel, IReadOnlyList<double> values, int bins = 30)
    {
        var svg = Begin(title);
        if (values.Count == 0)
        {
            svg.Append(Text(Width / 2, Height / 2, "no data", "middle"));
            return End(svg);
        }
        var sorted = values.Order().ToArray();
        double max = Math.Max(sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(sorted.Length * 0.99))], 1e-3);
        var counts = new int[bins];
        int beyond = 0;
        foreach (double v in values)
        {
            int b = (int)(v / max * bins);
            if (b >= bins)
            {
                if (v > max)
                {
                    beyond++;
                    continue;
                }
                b = bins - 1;
            }
            counts[b]++;
        }
        int top = Math.Max(1, counts.Max());
        double w = (Width - Left - Right) / (double)bins;
        for (int i = 0; i < bins; i++)
        {
            double h = (Height - Top - Bottom) * counts[i] / (double)top;
            svg.Append(Rect(Left + (i * w) + 1, Height - Bottom - h, w - 2, h, "#4a78b5"));
        }
        Axes(svg, 0, max, 0, top, xLabel, "trials' recoveries");
        svg.Append(Text(Width - Right, Top - 8, $"n = {values.Count}; {beyond} above p99 not drawn", "end", 11));
        return End(svg);
    }

    /// <summary>A rate over time (a line) with vertical marks at the fault instants.</summary>
    public static string Timeline(string title, IReadOnlyList<TimeSpan> events, IReadOnlyList<TimeSpan> faults, TimeSpan length, string yLabel)
    {
        var svg = Begin(title);
        double seconds = Math.Max(length.TotalSeconds, 1e-3);
        int buckets = 60;
        double bucket = seconds / buckets;
        var rate = new double[buckets];
        foreach (var e in events)
        {
            int b = Math.Min(buckets - 1, (int)(e.TotalSeconds / bucket));
            rate[b] += 1 / bucket;
        }
        double top = Math.Max(1, rate.Max());
        double X(double s) => Left + ((Width - Left - Right) * s / seconds);
        double Y(double r) => Height - Bottom - ((Height - Top - Bottom) * r / top);
        foreach (var f in faults)
        {
            double x = X(f.TotalSeconds);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{Height - Bottom}\" stroke=\"#d04040\" stroke-opacity=\"0.35\" stroke-width=\"1\"/>\n");
        }
        var points = string.Join(" ", rate.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"{X((i + 0.5) * bucket):F1},{Y(r):F1}")));
        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#4a78b5\" stroke-width=\"2\" points=\"{points}\"/>\n");
        Axes(svg, 0, seconds, 0, top, "time since boot (s)", yLabel);
        svg.Append(Text(Width - Right, Top - 8, $"red: {faults.Count} injected device failures", "end", 11));
        return End(svg);
    }

    private static StringBuilder Begin(string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(Text(Width / 2, 20, title, "middle", 15));
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static void Axes(StringBuilder svg, double x0, double x1, double y0, double y1, string xLabel, string yLabel)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        for (int i = 0; i <= 4; i++)
        {
            double fx = Left + ((Width - Left - Right) * i / 4.0);
            double fy = Height - Bottom - ((Height - Top - Bottom) * i / 4.0);
            svg.Append(Text(fx, Height - Bottom + 16, Format(x0 + ((x1 - x0) * i / 4)), "middle", 11));
            svg.Append(Text(Left - 6, fy + 4, Format(y0 + ((y1 - y0) * i / 4)), "end", 11));
        }
        svg.Append(Text((Left + Width - Right) / 2.0, Height - 10, xLabel, "middle", 12));
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {(Top + Height - Bottom) / 2})\">{Escape(yLabel)}</text>\n");
    }

    private static string Format(double v) => v.ToString(v >= 100 ? "F0" : v >= 10 ? "F1" : "G3", CultureInfo.InvariantCulture);

    private static string Rect(double x, double y, double w, double h, string fill) =>
        string.Create(CultureInfo.InvariantCulture, $"<rect x=\"{x:F1}\" y=\"{y:F1}\" width=\"{Math.Max(0, w):F1}\" height=\"{h:F1}\" fill=\"{fill}\"/>\n");

    private static string Text(double x, double y, string text, string anchor, int size = 12) =>
        string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{y:F1}\" font-size=\"{size}\" text-anchor=\"{anchor}\">{Escape(text)}</text>\n");

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
