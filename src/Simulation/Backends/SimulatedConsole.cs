using System.Text;
using LguestActors.Actors.Devices.Console;
using LguestActors.Simulation.World;

namespace LguestActors.Simulation.Backends;

/// <summary>
/// A console backend inside a simulated world: input is a <see cref="ConsoleScript"/> typed at its
/// virtual times (timers of the world, so on the simulation thread), output is kept as the
/// transcript, folded into the run digest, and optionally echoed (to stdout for the host).
/// </summary>
public sealed class SimulatedConsole : IConsoleBackend
{
    private readonly SimulationWorld _world;
    private readonly ConsoleScript _script;
    private readonly Stream? _echo;
    private readonly MemoryStream _output = new();
    private readonly string _name;
    private Action<ReadOnlyMemory<byte>>? _onInput;

    public SimulatedConsole(SimulationWorld world, ConsoleScript? script = null, Stream? echo = null, string name = "console")
    {
        ArgumentNullException.ThrowIfNull(world);
        _world = world;
        _script = script ?? ConsoleScript.Empty;
        _echo = echo;
        _name = name;
    }

    /// <summary>Everything the guest wrote, as bytes.</summary>
    public byte[] OutputBytes => _output.ToArray();

    /// <summary>Everything the guest wrote, as UTF-8 text.</summary>
    public string Transcript => Encoding.UTF8.GetString(_output.GetBuffer(), 0, (int)_output.Length);

    /// <summary>True once the guest's output contains <paramref name="text"/>.</summary>
    public bool Contains(string text) => Transcript.Contains(text, StringComparison.Ordinal);

    /// <summary>Each chunk written, with the virtual time it was written at (for plots and recovery times).</summary>
    public List<(TimeSpan At, string Text)> Writes { get; } = [];

    public void Write(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        Writes.Add((_world.Now, Encoding.UTF8.GetString(bytes)));
        _world.Engine.Digest.Event(_world.Engine.Now, _name, bytes.Length, bytes);
        if (_echo is not null)
        {
            _echo.Write(bytes);
            _echo.Flush();
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed)
    {
        ArgumentNullException.ThrowIfNull(onInput);
        _onInput = onInput;
        foreach (var (at, bytes) in _script.Inputs)
        {
            var delay = at - _world.Now;
            _world.Scheduler.Advanced.ScheduleOnce(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, () => onInput(bytes));
        }
    }

    /// <summary>Types <paramref name="bytes"/> now (on the simulation thread, or between runs): a recorded session's input.</summary>
    /// <returns>False when the console device has not started its backend yet.</returns>
    public bool Type(ReadOnlyMemory<byte> bytes)
    {
        if (_onInput is null)
        {
            return false;
        }
        _onInput(bytes);
        return true;
    }
}
