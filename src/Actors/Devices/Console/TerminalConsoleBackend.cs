using System.Diagnostics;

namespace LguestActors.Actors.Devices.Console;

/// <summary>
/// The host terminal as the console backend: guest output to stdout, stdin to the guest. When
/// stdin is a terminal it is put in raw input mode, as lguest's launcher did (ISIG, ICANON and ECHO
/// off: <c>stty -isig -icanon -echo</c>; output processing stays on so the guest's "\n" still
/// returns the carriage), and restored on <see cref="Dispose"/> and at process exit. Like lguest's launcher,
/// which left on repeated Ctrl-C, a key sequence leaves the VM: Ctrl-] or three Ctrl-C within a
/// second raise <see cref="ExitRequested"/>.
/// </summary>
public sealed class TerminalConsoleBackend : IConsoleBackend, IDisposable
{
    private readonly Stream _stdout;
    private readonly Stream _stdin;
    private readonly bool _isTerminal;
    private readonly Lock _writeLock = new();
    private readonly EscapeDetector _escape = new(TimeProvider.System);
    private string? _savedTerminal;
    private int _disposed;

    public TerminalConsoleBackend()
        : this(System.Console.OpenStandardOutput(), System.Console.OpenStandardInput(), !System.Console.IsInputRedirected)
    {
    }

    public TerminalConsoleBackend(Stream stdout, Stream stdin, bool isTerminal)
    {
        _stdout = stdout;
        _stdin = stdin;
        _isTerminal = isTerminal;
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

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed)
    {
        if (_isTerminal && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            EnterRawMode();
        }
        var reader = new Thread(() => ReadLoop(onInput, onClosed)) { IsBackground = true, Name = "console-stdin" };
        reader.Start();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            RestoreTerminal();
        }
    }

    private void ReadLoop(Action<ReadOnlyMemory<byte>> onInput, Action onClosed)
    {
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                int n = _stdin.Read(buffer, 0, buffer.Length);
                if (n <= 0)
                {
                    break;
                }
                if (_isTerminal && _escape.Feed(buffer.AsSpan(0, n)))
                {
                    ExitRequested?.Invoke(this, EventArgs.Empty);
                    continue;
                }
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
/// Recognises the keys that leave the VM: Ctrl-] (0x1D), or three Ctrl-C (0x03) within a second —
/// lguest's launcher likewise left when Ctrl-C was pressed repeatedly.
/// </summary>
public sealed class EscapeDetector
{
    public const byte CtrlRightBracket = 0x1D;
    public const byte CtrlC = 0x03;
    public static readonly TimeSpan CtrlCWindow = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _clock;
    private readonly Queue<DateTimeOffset> _ctrlC = new();

    public EscapeDetector(TimeProvider clock)
    {
        _clock = clock;
    }

    /// <summary>True when <paramref name="input"/> completes the escape sequence.</summary>
    public bool Feed(ReadOnlySpan<byte> input)
    {
        foreach (byte b in input)
        {
            if (b == CtrlRightBracket)
            {
                return true;
            }
            if (b != CtrlC)
            {
                continue;
            }
            var now = _clock.GetUtcNow();
            _ctrlC.Enqueue(now);
            while (_ctrlC.Count > 0 && now - _ctrlC.Peek() > CtrlCWindow)
            {
                _ctrlC.Dequeue();
            }
            if (_ctrlC.Count >= 3)
            {
                _ctrlC.Clear();
                return true;
            }
        }
        return false;
    }
}
