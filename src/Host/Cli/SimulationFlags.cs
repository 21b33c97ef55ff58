using System.Globalization;
using LguestActors.Actors.Simulation.Backends;

namespace LguestActors.Host.Cli;

/// <summary>How a host run uses the simulation engine (docs/DETERMINISM.md).</summary>
/// <param name="Seed">The run's seed: the schedule and every seeded stream (<c>--simulate=SEED</c>, 1 by default).</param>
/// <param name="InputPath">The console script (<c>--input FILE</c>), or null for no input.</param>
/// <param name="RecordPath">Record the session here (<c>--record FILE</c>: paced, terminal input), or null.</param>
/// <param name="TimeLimit">Virtual time after which the run stops (<c>--time-limit=DURATION</c>), or null for the default.</param>
internal sealed record SimulationOptions(ulong Seed, string? InputPath, string? RecordPath, TimeSpan? TimeLimit)
{
    /// <summary>A guest that never powers off still ends: after an hour of its own time.</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromHours(1);
}

/// <summary>
/// The simulation options of the command line: <c>--simulate[=SEED]</c>, <c>--input FILE</c>,
/// <c>--record FILE</c>, <c>--replay FILE</c> (each FILE also as <c>--opt=FILE</c>) and
/// <c>--time-limit=DURATION</c>.
/// </summary>
internal sealed class SimulationFlags
{
    private bool _simulate;
    private ulong _seed = 1;
    private string? _input;
    private string? _record;
    private TimeSpan? _timeLimit;

    public string? ReplayPath { get; private set; }

    public static bool Owns(string arg) =>
        arg == "--simulate" || arg.StartsWith("--simulate=", StringComparison.Ordinal) || arg.StartsWith("--time-limit=", StringComparison.Ordinal)
        || new[] { "--input", "--record", "--replay" }.Any(o => arg == o || arg.StartsWith(o + "=", StringComparison.Ordinal));

    /// <summary>Takes one option (and its FILE, which may be the next argument); an error line or null.</summary>
    public string? Take(string arg, IReadOnlyList<string> args, ref int i)
    {
        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        string name = equals < 0 ? arg : arg[..equals];
        string? value = equals < 0 ? null : arg[(equals + 1)..];
        switch (name)
        {
            case "--simulate":
                _simulate = true;
                if (value is not null && !ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _seed))
                {
                    return $"--simulate={value}: the seed is a whole number from 0 to {ulong.MaxValue}";
                }
                return null;
            case "--time-limit":
                if (!ConsoleScript.TryParseDuration(value!, out var limit) || limit <= TimeSpan.Zero)
                {
                    return $"--time-limit={value}: expected a positive duration of virtual time, like 30s or 500ms (units s, ms, us, ns)";
                }
                _timeLimit = limit;
                return null;
        }
        if (value is null)
        {
            value = i + 1 < args.Count && !args[i + 1].StartsWith('-') ? args[++i] : null;
        }
        if (string.IsNullOrEmpty(value))
        {
            return $"option {name} needs a file: {name} FILE";
        }
        switch (name)
        {
            case "--input": _input = value; break;
            case "--record": _record = value; break;
            default: ReplayPath = value; break;
        }
        return null;
    }

    /// <summary>Options that do not go together, or need --simulate; null when all is well.</summary>
    public string? Error() =>
        _input is not null && _record is not null ? "--input and --record both give the console its input: choose one"
        : _input is not null && !_simulate ? "--input FILE is the console input of a simulated run: add --simulate"
        : _timeLimit is not null && !_simulate && _record is null ? "--time-limit is virtual time: add --simulate"
        : null;

    /// <summary>The run's simulation options, or null for a real-time run.</summary>
    public SimulationOptions? Options() =>
        _simulate || _record is not null ? new SimulationOptions(_seed, _input, _record, _timeLimit) : null;
}
