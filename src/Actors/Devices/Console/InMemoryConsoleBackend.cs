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
    private readonly Queue<byte> _typed = new();
    private readonly Lock _inputLock = new();
    private Action<ReadOnlyMemory<byte>>? _onInput;
    private Action? _onClosed;
    private ConsoleInputCredit? _credit;
    private bool _closed;
    private bool _closeDelivered;

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
            if (_waiters.Count == 0)
            {
                return; // decoding all the output on every write would make a long run quadratic
            }
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

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
    {
        ArgumentNullException.ThrowIfNull(credit);
        lock (_lock)
        {
            _onInput = onInput;
            _onClosed = onClosed;
            _credit = credit;
        }
        credit.Returned += Pump;
        Pump();
    }

    /// <summary>Bytes typed that the device has not taken yet (it has no credit for them): a pipe's buffer.</summary>
    public int Unread
    {
        get
        {
            lock (_inputLock)
            {
                return _typed.Count;
            }
        }
    }

    /// <summary>Types <paramref name="text"/> (UTF-8) as host input.</summary>
    public void Type(string text) => Type(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Types raw bytes as host input. Like a pipe, they wait here until the device has credit for
    /// them (and until it starts the backend); none is ever dropped.
    /// </summary>
    public void Type(ReadOnlySpan<byte> bytes)
    {
        lock (_inputLock)
        {
            foreach (byte b in bytes)
            {
                _typed.Enqueue(b);
            }
        }
        Pump();
    }

    /// <summary>Ends host input, like EOF on stdin (after what was typed has gone to the device).</summary>
    public void CloseInput()
    {
        lock (_inputLock)
        {
            _closed = true;
        }
        Pump();
    }

    /// <summary>Delivers as much typed input as the credit allows, in order; then EOF once all of it went.</summary>
    private void Pump()
    {
        Action<ReadOnlyMemory<byte>>? onInput;
        Action? onClosed;
        ConsoleInputCredit? credit;
        lock (_lock)
        {
            (onInput, onClosed, credit) = (_onInput, _onClosed, _credit);
        }
        if (onInput is null || credit is null)
        {
            return;
        }
        lock (_inputLock)
        {
            while (_typed.Count > 0 && credit.Available > 0)
            {
                var chunk = new byte[Math.Min(_typed.Count, credit.Available)];
                for (int i = 0; i < chunk.Length; i++)
                {
                    chunk[i] = _typed.Dequeue();
                }
                credit.Take(chunk.Length);
                onInput(chunk);
            }
            if (_closed && _typed.Count == 0 && !_closeDelivered)
            {
                _closeDelivered = true;
                onClosed!();
            }
        }
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
