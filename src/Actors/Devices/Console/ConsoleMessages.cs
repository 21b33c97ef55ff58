namespace LguestActors.Actors.Devices.Console;

/// <summary>Host input from the backend, marshalled into the console actor (the bytes are a copy).</summary>
public sealed record ConsoleInput(ReadOnlyMemory<byte> Bytes);

/// <summary>The backend's input ended (EOF on stdin, or a test closed it).</summary>
public sealed record ConsoleInputClosed
{
    public static readonly ConsoleInputClosed Instance = new();
}

/// <summary>Text for the console output that did not come through a virtqueue: the guest's early console.</summary>
public sealed record ConsoleOutput(ReadOnlyMemory<byte> Bytes);
