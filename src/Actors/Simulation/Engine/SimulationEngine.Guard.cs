namespace LguestActors.Actors.Simulation.Engine;

// The guard: nothing of a simulated world may run, or be sent anything, off the simulation thread.
public sealed partial class SimulationEngine
{
    private string? _violation;

    /// <summary>Where a violation is said the moment it happens (stderr unless the world says otherwise).</summary>
    public TextWriter ViolationLog { get; set; } = Console.Error;

    /// <summary>The first thing that happened off the simulation thread, or null.</summary>
    public string? FirstViolation => Volatile.Read(ref _violation);

    /// <summary>
    /// While the world runs, only its own thread may schedule or send; while it stands still, the
    /// thread driving it may (that is how a test or the host starts actors and feeds inputs).
    /// </summary>
    private void CheckThread(string what)
    {
        int driver = Volatile.Read(ref _simulationThread);
        if (driver != 0 && driver != Environment.CurrentManagedThreadId)
        {
            Violation($"{what} from thread {Environment.CurrentManagedThreadId} ('{Thread.CurrentThread.Name}') while the simulation thread ({driver}) runs the world");
        }
    }

    /// <summary>Remembers the first violation and says so at once on stderr: a run that broke determinism must not pass quietly.</summary>
    private void Violation(string what)
    {
        if (Interlocked.CompareExchange(ref _violation, what, null) is null)
        {
            ViolationLog.WriteLine($"lguest-actors: simulation: {what}");
        }
    }

    private void ThrowIfViolated()
    {
        if (FirstViolation is { } what)
        {
            throw new SimulationThreadException(what);
        }
    }
}

/// <summary>Something of a simulated world ran, or was sent a message, off the simulation thread: the run is not deterministic.</summary>
public sealed class SimulationThreadException : Exception
{
    public SimulationThreadException(string message)
        : base($"simulation: {message}; every actor of a simulated world must run on its simulation thread (docs/DETERMINISM.md)")
    {
    }

    public SimulationThreadException()
    {
    }

    public SimulationThreadException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
