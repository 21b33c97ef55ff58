using System.Globalization;
using Akka.Event;
using LguestActors.Actors.Simulation.Engine;

namespace LguestActors.Actors.Simulation.World;

/// <summary>
/// A simulated world's log: every log event written at once, on the simulation thread, stamped with
/// virtual time. No logger actor: an actor would join the schedule, and then the log level would
/// change the interleaving (and the digest).
/// </summary>
internal sealed class SimulationLogger : MinimalLogger
{
    private readonly TextWriter _writer;
    private readonly SimulationEngine _engine;
    private readonly LogLevel _level;

    /// <param name="writer">Where the lines go.</param>
    /// <param name="engine">The world (its virtual time stamps each line).</param>
    /// <param name="level">akka.loglevel: the bus itself publishes debug lines that no adapter filtered.</param>
    public SimulationLogger(TextWriter writer, SimulationEngine engine, LogLevel level)
    {
        _writer = writer;
        _engine = engine;
        _level = level;
    }

    protected override void Log(object message)
    {
        if (message is not LogEvent e || e.LogLevel() < _level)
        {
            return;
        }
        string level = e.LogLevel() switch
        {
            LogLevel.DebugLevel => "DEBUG",
            LogLevel.InfoLevel => "INFO",
            LogLevel.WarningLevel => "WARNING",
            _ => "ERROR",
        };
        string cause = e is Error { Cause: { } c } ? $": {c.GetType().Name}: {c.Message}" : "";
        lock (_writer)
        {
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{level}] [{_engine.Now / 1e9:F6}s virtual] [{e.LogSource}] {e.Message}{cause}"));
        }
    }
}
