namespace LguestActors.Actors.Devices.Console;

/// <summary>
/// The console device's outside world (a port): the host terminal, or an in-memory one in tests.
/// </summary>
public interface IConsoleBackend
{
    /// <summary>Guest output (virtqueue 1) to the outside.</summary>
    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>
    /// Starts delivering host input: <paramref name="onInput"/> is called (from any thread) with each
    /// chunk typed; it must copy the bytes. <paramref name="onClosed"/> is called once when input ends.
    /// A backend never delivers more than <paramref name="credit"/> allows: with none left it stops
    /// reading its source until the guest has taken input (back-pressure; input is never dropped).
    /// </summary>
    void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit);
}
