using System.Diagnostics.Metrics;

namespace LguestActors.Actors.Telemetry;

/// <summary>
/// Listens to the <see cref="LguestTelemetry"/> meter with a <see cref="MeterListener"/> and keeps
/// totals per instrument and tag set, and every histogram value: what the host's end-of-VM summary
/// (<c>--summary</c>) prints and what tests assert on. Thread-safe (measurements come from every
/// actor thread). Dispose it to stop listening.
/// </summary>
public sealed class MeterCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly List<Series> _series = [];

    public MeterCapture()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == LguestTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        _listener.Start();
    }

    /// <summary>The sum of <paramref name="instrument"/>'s measurements whose tags include every one of <paramref name="where"/>.</summary>
    public double Sum(string instrument, params (string Key, object Value)[] where)
    {
        lock (_lock)
        {
            return Matching(instrument, where).Sum(s => s.Total);
        }
    }

    /// <summary>How many measurements <paramref name="instrument"/> had with those tags (a histogram's count).</summary>
    public long Count(string instrument, params (string Key, object Value)[] where)
    {
        lock (_lock)
        {
            return Matching(instrument, where).Sum(s => s.Count);
        }
    }

    /// <summary>Every value recorded (a histogram's), in arrival order.</summary>
    public IReadOnlyList<double> Values(string instrument, params (string Key, object Value)[] where)
    {
        lock (_lock)
        {
            return Matching(instrument, where).SelectMany(s => s.Values).ToList();
        }
    }

    /// <summary>The distinct values of tag <paramref name="key"/> seen on <paramref name="instrument"/> with those tags.</summary>
    public IReadOnlyList<string> TagValues(string instrument, string key, params (string Key, object Value)[] where)
    {
        lock (_lock)
        {
            return Matching(instrument, where)
                .Select(s => s.Tags.TryGetValue(key, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null)
                .OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
    }

    public void Dispose() => _listener.Dispose();

    private IEnumerable<Series> Matching(string instrument, (string Key, object Value)[] where) =>
        _series.Where(s => s.Instrument == instrument && where.All(w => s.Tags.TryGetValue(w.Key, out var v) && Equals(v, w.Value)));

    private void Add(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(tags.Length, StringComparer.Ordinal);
        foreach (var t in tags)
        {
            copy[t.Key] = t.Value;
        }
        lock (_lock)
        {
            var series = _series.Find(s => s.Instrument == instrument && s.SameTags(copy));
            if (series is null)
            {
                series = new Series(instrument, copy);
                _series.Add(series);
            }
            series.Total += value;
            series.Count++;
            if (instrument == LguestTelemetry.RequestLatency.Name)
            {
                series.Values.Add(value);
            }
        }
    }

    private sealed class Series(string instrument, Dictionary<string, object?> tags)
    {
        public string Instrument { get; } = instrument;

        public Dictionary<string, object?> Tags { get; } = tags;

        public double Total { get; set; }

        public long Count { get; set; }

        public List<double> Values { get; } = [];

        public bool SameTags(Dictionary<string, object?> other) =>
            other.Count == Tags.Count && other.All(p => Tags.TryGetValue(p.Key, out var v) && Equals(v, p.Value));
    }
}
