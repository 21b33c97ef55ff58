using System.Globalization;
using Akka.Configuration;

namespace LguestActors.Actors.Configuration;

/// <summary>
/// Reads one HOCON section's values with their ranges, so every bad value is one
/// <see cref="ConfigurationException"/> whose message names the full key, what was expected and
/// what was written ("lguest.vcpu.slice-instructions must be a whole number from 1 to 10000000,
/// not '99999999999999'"). Akka's own getters throw FormatException or OverflowException that
/// name no key.
/// </summary>
public sealed class ConfigReader
{
    private readonly Config _section;
    private readonly string _prefix;

    /// <param name="section">The section the keys are relative to.</param>
    /// <param name="prefix">Its path, for the messages (e.g. "lguest.faults"); empty for the root.</param>
    public ConfigReader(Config section, string prefix)
    {
        ArgumentNullException.ThrowIfNull(section);
        _section = section;
        _prefix = prefix ?? "";
    }

    /// <summary>The full name of <paramref name="key"/>, as the messages give it.</summary>
    public string PathOf(string key) => _prefix.Length == 0 ? key : $"{_prefix}.{key}";

    public bool Has(string key) => _section.HasPath(key);

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; <paramref name="fallback"/> when absent (null: required).</summary>
    public long Long(string key, long? fallback, long min, long max)
    {
        if (Absent(key, fallback is not null))
        {
            return fallback!.Value;
        }
        string raw = Raw(key);
        if (!long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw Bad(key, $"a whole number from {min} to {max}", raw);
        }
        return value;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; <paramref name="fallback"/> when absent (null: required).</summary>
    public int Int(string key, int? fallback, int min, int max) => (int)Long(key, fallback, min, max);

    /// <summary>A number from 0 to 1.</summary>
    public double Probability(string key)
    {
        if (Absent(key, hasFallback: true))
        {
            return 0;
        }
        string raw = Raw(key);
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) || double.IsNaN(p) || p < 0 || p > 1)
        {
            throw Bad(key, "a probability from 0 to 1", raw);
        }
        return p;
    }

    /// <summary>A duration such as 100ms, 2s or 1m, at least <paramref name="min"/>.</summary>
    public TimeSpan Duration(string key, TimeSpan? fallback, TimeSpan min)
    {
        if (Absent(key, fallback is not null))
        {
            return fallback!.Value;
        }
        string raw = Raw(key);
        TimeSpan value;
        try
        {
            value = _section.GetTimeSpan(key);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or ConfigurationException)
        {
            throw Bad(key, $"a duration like 100ms, 2s or 1m{(min > TimeSpan.Zero ? "" : " (0 or more)")}", raw);
        }
        if (value < min)
        {
            throw Bad(key, min == TimeSpan.Zero ? "a duration of 0 or more" : $"a duration of at least {Format(min)}", raw);
        }
        return value;
    }

    /// <summary>A string; <paramref name="fallback"/> when absent (null: required).</summary>
    public string Text(string key, string? fallback)
    {
        if (Absent(key, fallback is not null))
        {
            return fallback!;
        }
        return _section.GetString(key) ?? "";
    }

    /// <summary>A list of strings; empty when absent.</summary>
    public IReadOnlyList<string> TextList(string key)
    {
        if (!_section.HasPath(key))
        {
            return [];
        }
        try
        {
            return _section.GetStringList(key).ToArray();
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or ConfigurationException or NullReferenceException)
        {
            throw Bad(key, "a list like [a, b]", Raw(key));
        }
    }

    /// <summary>A message for a value the caller judged wrong.</summary>
    public ConfigurationException Bad(string key, string expected, string? raw = null) =>
        new($"{PathOf(key)} must be {expected}, not '{raw ?? Raw(key)}'");

    private bool Absent(string key, bool hasFallback)
    {
        if (_section.HasPath(key))
        {
            return false;
        }
        return hasFallback ? true : throw new ConfigurationException($"{PathOf(key)} is missing");
    }

    private string Raw(string key)
    {
        string text = (_section.GetValue(key)?.ToString() ?? "").Trim();
        int newline = text.IndexOfAny(['\r', '\n']);
        if (newline >= 0)
        {
            text = text[..newline] + "...";
        }
        if (text.Length > 60)
        {
            text = text[..60] + "...";
        }
        return text.Length > 1 && text[0] == '"' && text[^1] == '"' ? text[1..^1] : text;
    }

    private static string Format(TimeSpan t) =>
        t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms" : $"{t.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
}
