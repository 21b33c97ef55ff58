using System.Diagnostics;

namespace LguestActors.Actors.Devices.Console;

/// <summary>
/// The host terminal as the console backend: guest output to stdout, stdin to the guest. When
/// stdin is a terminal it is put in raw input mode, as lguest's launcher did (ISIG, ICANON and ECHO
/// off: <c>stty -isig -icanon -echo</c>; output processing stays on so the guest's "\n" still
/// returns the carriage), and restored on <see cref="Dispose"/> and at process exit. Like lguest's launcher,
/// which left on repeated Ctrl-C, a key sequence leaves the VM: when the backend has an
/// <see cref="EscapeDetector"/>, the read that completes its sequence raises <see cref="ExitRequested"/>
/// and is not given to the guest. Without one (piped stdin, or the escape configured off) every byte
/// reaches the guest.
/// </summary>
public sealed class TerminalConsoleBackend : IConsoleBackend, IDisposable
{
    private readonly Stream _stdout;
    private readonly Stream _stdin;
    private readonly bool _isTerminal;
    private readonly Lock _writeLock = new();
    private readonly EscapeDetector? _escape;
    private string? _savedTerminal;
    private int _disposed;

    /// <summary>
    /// The process's own stdin/stdout. <paramref name="escape"/> applies only when stdin is a
    /// terminal: piped input (a script, a benchmark) reaches the guest byte for byte, Ctrl-C included.
    /// </summary>
    public TerminalConsoleBackend(EscapeDetector? escape = null)
        : this(
            System.Console.OpenStandardOutput(),
            System.Console.OpenStandardInput(),
            !System.Console.IsInputRedirected,
            System.Console.IsInputRedirected ? null : escape)
    {
    }

    /// <param name="isTerminal">Put stdin in raw mode while the backend runs (runs stty on the process's stdin).</param>
    /// <param name="escape">Watches the input for the leave-the-VM sequence; null: every byte goes to the guest.</param>
    public TerminalConsoleBackend(Stream stdout, Stream stdin, bool isTerminal, EscapeDetector? escape = null)
    {
        _stdout = stdout;
        _stdin = stdin;
        _isTerminal = isTerminal;
        _escape = escape;
    }

    /// <summary>The user typed the leave-the-VM sequence. Raised on the input thread.</summary>
    public event EventHandler? ExitRequested;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_writeLock)
        {
            _stdout.Write(bytes);
            _stdout.Flush();
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
    {
        ArgumentNullException.ThrowIfNull(credit);
        if (_isTerminal && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            EnterRawMode();
        }
        var reader = new Thread(() => ReadLoop(onInput, onClosed, credit)) { IsBackground = true, Name = "console-stdin" };
        reader.Start();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            RestoreTerminal();
        }
    }

    /// <summary>
    /// Reads no more than the guest has room for: with no credit the loop waits and stdin stays
    /// unread, so a piped writer blocks instead of its input being dropped.
    /// </summary>
    private void ReadLoop(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
    {
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                int room = credit.WaitForCredit(buffer.Length);
                int n = _stdin.Read(buffer, 0, room);
                if (n <= 0)
                {
                    break;
                }
                if (_escape is not null && _escape.Feed(buffer.AsSpan(0, n)))
                {
                    ExitRequested?.Invoke(this, EventArgs.Empty);
                    continue;
                }
                credit.Take(n);
                onInput(buffer.AsMemory(0, n));
            }
        }
        catch (IOException)
        {
            // stdin went away: the same as EOF.
        }
        catch (ObjectDisposedException)
        {
        }
        onClosed();
    }

    private void EnterRawMode()
    {
        _savedTerminal = Stty("-g", captureOutput: true)?.Trim();
        if (string.IsNullOrEmpty(_savedTerminal))
        {
            return;
        }
        Stty("-isig -icanon -echo min 1 time 0", captureOutput: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    private void RestoreTerminal()
    {
        var saved = Interlocked.Exchange(ref _savedTerminal, null);
        if (!string.IsNullOrEmpty(saved))
        {
            Stty(saved, captureOutput: false);
        }
    }

    /// <summary>Runs stty on our own stdin (the child inherits it); null if stty is unavailable.</summary>
    private static string? Stty(string arguments, bool captureOutput)
    {
        try
        {
            var info = new ProcessStartInfo("stty", arguments) { UseShellExecute = false, RedirectStandardOutput = captureOutput };
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }
            string? output = captureOutput ? process.StandardOutput.ReadToEnd() : null;
            process.WaitForExit();
            return process.ExitCode == 0 ? output ?? string.Empty : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

/// <summary>
/// Recognises the key sequence that leaves the VM: <see cref="Count"/> presses of <see cref="Key"/>
/// with no more than <see cref="Window"/> between the first and the last — lguest's launcher
/// likewise left when Ctrl-C was pressed repeatedly. The host builds it from
/// <c>lguest.console.escape-key</c>, <c>escape-count</c> and <c>escape-window</c>; there is no other,
/// hidden escape key, so every other byte (Ctrl-] included) reaches the guest.
/// </summary>
public sealed class EscapeDetector
{
    public const byte CtrlC = 0x03;

    /// <summary>The documented default (config/akka.hocon): three Ctrl-C within a second.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(1);
    public const int DefaultCount = 3;

    private readonly TimeProvider _clock;
    private readonly Queue<DateTimeOffset> _presses = new();

    /// <param name="key">The byte a raw terminal sends for the escape key (Ctrl-A is 1 .. Ctrl-Z is 26).</param>
    /// <param name="count">Presses that leave the VM; 1 leaves on the first.</param>
    /// <param name="window">The longest time from the first of those presses to the last.</param>
    /// <param name="clock">Time for the window; tests step it.</param>
    public EscapeDetector(byte key, int count, TimeSpan window, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(clock);
        Key = key;
        Count = count;
        Window = window;
        _clock = clock;
    }

    public byte Key { get; }

    public int Count { get; }

    public TimeSpan Window { get; }

    /// <summary>True when <paramref name="input"/> completes the escape sequence.</summary>
    public bool Feed(ReadOnlySpan<byte> input)
    {
        foreach (byte b in input)
        {
            if (b != Key)
            {
                continue;
            }
            var now = _clock.GetUtcNow();
            _presses.Enqueue(now);
            while (_presses.Count > 0 && now - _presses.Peek() > Window)
            {
                _presses.Dequeue();
            }
            if (_presses.Count >= Count)
            {
                _presses.Clear();
                return true;
            }
        }
        return false;
    }
}
