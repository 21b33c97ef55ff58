using LguestActors.Actors.Devices.Console;

namespace LguestActors.Host.Console;

/// <summary>
/// A console backend on two plain streams: the host's stdin/stdout when they are not a terminal
/// (piped, redirected), or in-memory streams in tests. No raw mode, so nothing to restore.
/// </summary>
internal sealed class StreamConsoleBackend : IConsoleBackend, IDisposable
{
    private const int ChunkSize = 256;

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Lock _writeLock = new();
    private readonly CancellationTokenSource _stop = new();
    private int _started;

    public StreamConsoleBackend(Stream input, Stream output)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _output = output ?? throw new ArgumentNullException(nameof(output));
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_writeLock)
        {
            _output.Write(bytes);
            _output.Flush();
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed)
    {
        ArgumentNullException.ThrowIfNull(onInput);
        ArgumentNullException.ThrowIfNull(onClosed);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the console backend is already started");
        }
        _ = Task.Run(() => PumpAsync(onInput, onClosed));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task PumpAsync(Action<ReadOnlyMemory<byte>> onInput, Action onClosed)
    {
        CancellationToken token = _stop.Token;
        var buffer = new byte[ChunkSize];
        try
        {
            int read;
            while ((read = await _input.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                // The contract says the receiver copies; a fresh array keeps a slow one safe anyway.
                onInput(buffer.AsSpan(0, read).ToArray());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Stopped or the stream went away: input has ended either way.
        }
        onClosed();
    }
}
