namespace LguestActors.Actors.Devices.Console;

/// <summary>
/// Back-pressure for host input: the backend may hand the device at most <see cref="Window"/>
/// bytes the guest has not yet taken. The device returns credit as the guest's receive buffers
/// take the bytes; a backend with no credit stops reading its source (stdin stays unread in the
/// pipe, the writer blocks), so nothing is ever dropped however fast input comes and however long
/// the guest posts no buffers. Thread-safe: the backend waits on its own thread, the device
/// returns credit from its actor.
/// </summary>
public sealed class ConsoleInputCredit
{
    /// <summary>The default window: a few lines of a pasted script, well within one receive burst.</summary>
    public const int DefaultWindow = 4096;

    private readonly object _lock = new(); // Monitor.Wait and PulseAll need a monitor, not a System.Threading.Lock
    private int _available;

    public ConsoleInputCredit(int window = DefaultWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        Window = window;
        _available = window;
    }

    /// <summary>Credit that never runs out: for a consumer that keeps up by construction (tests, tools).</summary>
    public static ConsoleInputCredit Unlimited() => new(int.MaxValue);

    /// <summary>Raised (on the device's thread) when credit comes back; a backend that does not block may deliver more then.</summary>
    public event Action? Returned;

    public int Window { get; }

    /// <summary>Bytes the backend may deliver now.</summary>
    public int Available
    {
        get
        {
            lock (_lock)
            {
                return _available;
            }
        }
    }

    /// <summary>
    /// Blocks until there is credit (or <paramref name="cancel"/>), and returns how many bytes, at
    /// most <paramref name="max"/>, the backend may read now. For backends with a thread of their own.
    /// </summary>
    public int WaitForCredit(int max, CancellationToken cancel = default)
    {
        lock (_lock)
        {
            while (_available == 0)
            {
                cancel.ThrowIfCancellationRequested();
                Monitor.Wait(_lock, TimeSpan.FromMilliseconds(200));
            }
            return Math.Min(max, _available);
        }
    }

    /// <summary>The backend hands <paramref name="bytes"/> bytes to the device (at most <see cref="Available"/>).</summary>
    public void Take(int bytes)
    {
        lock (_lock)
        {
            if (bytes < 0 || bytes > _available)
            {
                throw new InvalidOperationException($"took {bytes} bytes of input with {_available} of credit");
            }
            _available -= bytes;
        }
    }

    /// <summary>The guest took <paramref name="bytes"/> bytes (or the backend kept them back): the backend may deliver that many more.</summary>
    public void Return(int bytes)
    {
        if (bytes <= 0)
        {
            return;
        }
        lock (_lock)
        {
            _available = Math.Min(Window, _available + bytes);
            Monitor.PulseAll(_lock);
        }
        Returned?.Invoke();
    }
}
