using System.Globalization;

namespace LguestActors.Host.Experiments;

/// <summary>
/// An axis from 0 to a round maximum in round steps: Heckbert's "nice numbers" (Graphics Gems,
/// 1990). The step is 1, 2 or 5 times a power of ten, chosen so that about <c>ticks</c> intervals
/// cover the data: 0, 100, 200…; 0, 0.5, 1.0, 1.5 s; 0, 0.02, 0.04 s. Labels carry exactly the
/// decimals the step needs.
/// </summary>
internal readonly record struct AxisScale(double Step, double Max)
{
    /// <summary>The tick values, 0 to <see cref="Max"/> inclusive.</summary>
    public IEnumerable<double> Ticks
    {
        get
        {
            int n = (int)Math.Round(Max / Step);
            for (int i = 0; i <= n; i++)
            {
                yield return i * Step;
            }
        }
    }

    /// <summary>A scale from 0 that covers <paramref name="dataMax"/> in about <paramref name="ticks"/> round steps.</summary>
    public static AxisScale Covering(double dataMax, int ticks = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ticks, 1);
        if (!(dataMax > 0) || double.IsInfinity(dataMax))
        {
            return new AxisScale(1, 1); // nothing (or nothing finite) to show: 0..1
        }
        double step = Nice(dataMax / ticks);
        double max = Math.Ceiling(Math.Round(dataMax / step, 9)) * step;
        return new AxisScale(step, max);
    }

    /// <summary>The label of <paramref name="value"/>: as many decimals as the step has (0.5 → one, 0.02 → two, 100 → none).</summary>
    public string Label(double value)
    {
        int decimals = Math.Max(0, (int)-Math.Floor(Math.Log10(Step) + 1e-9));
        return value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>The smallest of 1, 2, 5 × 10^k at least <paramref name="rough"/>.</summary>
    internal static double Nice(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        double nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10;
        return nice * power;
    }
}
