using System.Text;

namespace LguestActors.Actors.Devices.Console;

/// <summary>
/// A console backend for tests and scenarios: type input with <see cref="Type(string)"/>, read
/// what the guest wrote with <see cref="Output"/> or await it with <see cref="WaitForOutputAsync"/>.
/// Thread-safe: the device writes from its actor thread while a test reads and types.
/// </summary>
public sealed class InMemoryConsoleBackend : IConsoleBackend
{
    private readonly Lock _lock = new();
    private readonly MemoryStream _output = new();
    private readonly List<(string Text, TaskCompletionSource Done)> _waiters = [];
    private readonly List<byte[]> _typedBeforeStart = [];
    private Action<ReadOnlyMemory<byte>>? _onInput;
    private Action? _onClosed;
    private bool _closed;

    /// <summary>Everything the guest wrote so far, decoded as UTF-8.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return Encoding.UTF8.GetString(_output.GetBuffer(), 0, (int)_output.Length);
            }
        }
    }

    /// <summary>Everything the guest wrote so far, as bytes.</summary>
    public byte[] OutputBytes
    {
        get
        {
            lock (_lock)
            {
                return _output.ToArray();
            }
        }
    }

    /// <summary>True once the device called <see cref="Start"/>.</summary>
    public bool Started
    {
        get
        {
            lock (_lock)
            {
                return _onInput is not null;
            }
        }
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        List<TaskCompletionSource> done = [];
        lock (_lock)
        {
            _output.Write(bytes);
            string text = Encoding.UTF8.GetString(_output.GetBuffer(), 0, (int)_output.Length);
            _waiters.RemoveAll(w =>
            {
                if (!text.Contains(w.Text, StringComparison.Ordinal))
                {
                    return false;
                }
                done.Add(w.Done);
                return true;
            });
        }
        foreach (var tcs in done)
        {
            tcs.TrySetResult();
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed)
    {
        List<byte[]> early;
        bool closed;
        lock (_lock)
        {
            _onInput = onInput;
            _onClosed = onClosed;
            early = [.. _typedBeforeStart];
            _typedBeforeStart.Clear();
            closed = _closed;
        }
        foreach (var chunk in early)
        {
            onInput(chunk);
        }
        if (closed)
        {
            onClosed();
        }
    }

    /// <summary>Types <paramref name="text"/> (UTF-8) as host input.</summary>
    public void Type(string text) => Type(Encoding.UTF8.GetBytes(text));

    /// <summary>Types raw bytes as host input; held until the device starts the backend.</summary>
    public void Type(ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Action<ReadOnlyMemory<byte>>? onInput;
        lock (_lock)
        {
            onInput = _onInput;
            if (onInput is null)
            {
                _typedBeforeStart.Add(copy);
                return;
            }
        }
        onInput(copy);
    }

    /// <summary>Ends host input, like EOF on stdin.</summary>
    public void CloseInput()
    {
        Action? onClosed;
        lock (_lock)
        {
            _closed = true;
            onClosed = _onClosed;
        }
        onClosed?.Invoke();
    }

    /// <summary>Completes when the output contains <paramref name="text"/>; throws TimeoutException (with the output so far) otherwise.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (Encoding.UTF8.GetString(_output.GetBuffer(), 0, (int)_output.Length).Contains(text, StringComparison.Ordinal))
            {
                return;
            }
            _waiters.Add((text, tcs));
        }
        try
        {
            await tcs.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Done == tcs);
            }
            throw new TimeoutException($"console output did not contain \"{text}\" within {timeout}; it was: \"{Output}\"");
        }
    }
}
