using System.Text;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Actors.Simulation.Backends;

/// <summary>
/// A console backend inside a simulated world: input is a <see cref="ConsoleScript"/> typed at its
/// virtual times (timers of the world, so on the simulation thread), output is kept as the
/// transcript, folded into the run digest, and optionally echoed to another backend (the terminal,
/// for the host).
/// </summary>
public sealed class SimulatedConsole : IConsoleBackend
{
    private readonly SimulationWorld _world;
    private readonly ConsoleScript _script;
    private readonly IConsoleBackend? _echo;
    private readonly MemoryStream _output = new();
    private readonly string _name;
    private readonly Queue<byte> _pending = new();
    private Action<ReadOnlyMemory<byte>>? _onInput;
    private ConsoleInputCredit? _credit;

    /// <param name="world">The world it belongs to.</param>
    /// <param name="script">Input typed at virtual times (none by default).</param>
    /// <param name="echo">Where output is shown as well (only its Write is used), or nowhere.</param>
    /// <param name="name">What the digest calls its output (one console per VM).</param>
    public SimulatedConsole(SimulationWorld world, ConsoleScript? script = null, IConsoleBackend? echo = null, string name = "console")
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
        _echo?.Write(bytes);
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
    {
        ArgumentNullException.ThrowIfNull(onInput);
        ArgumentNullException.ThrowIfNull(credit);
        _onInput = onInput;
        _credit = credit;
        credit.Returned += Pump; // on the device's thread: the simulation thread
        Pump();
        foreach (var (at, bytes) in _script.Inputs)
        {
            var delay = at - _world.Now;
            _world.Scheduler.Advanced.ScheduleOnce(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, () => Type(bytes));
        }
    }

    /// <summary>
    /// Types <paramref name="bytes"/> now (on the simulation thread, or between runs): scripted or
    /// recorded input. Like keys typed into a pipe, bytes wait here until the console device has
    /// credit for them (before it started, too): back-pressure, never a drop.
    /// </summary>
    public void Type(ReadOnlyMemory<byte> bytes)
    {
        foreach (byte b in bytes.Span)
        {
            _pending.Enqueue(b);
        }
        Pump();
    }

    /// <summary>Hands the device as much pending input as its credit allows, in order.</summary>
    private void Pump()
    {
        if (_onInput is null || _credit is null)
        {
            return;
        }
        while (_pending.Count > 0 && _credit.Available > 0)
        {
            var chunk = new byte[Math.Min(_pending.Count, _credit.Available)];
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = _pending.Dequeue();
            }
            _credit.Take(chunk.Length);
            _onInput(chunk);
        }
    }
}
