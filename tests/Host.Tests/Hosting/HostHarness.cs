using LguestActors.Actors.Devices.Console;
using System.Text;
using LguestActors.Host.Configuration;
using LguestActors.Host.Vmm;

namespace LguestActors.Host.Tests.Hosting;

/// <summary>Runs the whole host in-process: a temp kernel, in-memory console, fake signals, captured stderr.</summary>
internal sealed class HostHarness : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-host-");
    private readonly MemoryStream _consoleOut = new();

    public HostHarness(byte[]? stdin = null)
    {
        KernelPath = Path.Combine(_dir.FullName, "kernel.elf");
        File.WriteAllBytes(KernelPath, KernelImage);
        Console = new DisposalRecordingBackend(new TerminalConsoleBackend(_consoleOut, new MemoryStream(stdin ?? []), isTerminal: false));
    }

    public string KernelPath { get; }

    /// <summary>What <see cref="KernelPath"/> holds: a valid i386 ELF (the host checks it before it boots).</summary>
    public static byte[] KernelImage { get; } = LguestActors.Testing.TinyElf.Build();

    public StringWriter Out { get; } = new();

    public StringWriter Error { get; } = new();

    public FakeStopSignals Signals { get; } = new();

    public DisposalRecordingBackend Console { get; }

    public LguestSettings? ConsoleSettings { get; private set; }

    /// <summary>What the console backend calls when the escape key is typed.</summary>
    public Action? StopFromConsole { get; private set; }

    public string ConsoleOutput => Encoding.ASCII.GetString(_consoleOut.ToArray());

    /// <summary>The stderr lines.</summary>
    public string[] ErrorLines => Error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Folders searched for akka.hocon and the sample guest: the temp dir (no sample guest) and the test's output (akka.hocon).</summary>
    public IReadOnlyList<string> SearchRoots { get; set; } = [];

    /// <summary>Opens <c>--net=tap:IFNAME</c> (null: the real TAP device).</summary>
    public Func<string, Actors.Devices.Net.INetBackend>? TapOpener { get; set; }

    /// <summary>Where stop signals come from: <see cref="Signals"/> unless a test sets the process's own.</summary>
    public IStopSignals? RealSignals { get; set; }

    public Task<int> RunAsync(VmPropsFactory launcher, params string[] args)
    {
        IReadOnlyList<string> roots = SearchRoots.Count > 0 ? SearchRoots : [_dir.FullName, AppContext.BaseDirectory];
        var env = new HostEnvironment(Out, Error, roots, launcher, (settings, stopVm) =>
        {
            ConsoleSettings = settings;
            StopFromConsole = stopVm;
            return Console;
        }, RealSignals ?? Signals, TapOpener);
        return LguestHost.RunAsync(args, env);
    }

    public void Dispose()
    {
        _consoleOut.Dispose();
        _dir.Delete(recursive: true);
    }
}

/// <summary>Stop signals a test raises.</summary>
internal sealed class FakeStopSignals : IStopSignals
{
    private Action<StopSignal>? _onSignal;

    public bool Registered => Volatile.Read(ref _onSignal) is not null;

    public IDisposable Register(Action<StopSignal> onSignal)
    {
        Volatile.Write(ref _onSignal, onSignal);
        return new Unregister(this);
    }

    public void Raise(StopSignal signal) =>
        (Volatile.Read(ref _onSignal) ?? throw new InvalidOperationException("the host has not registered for signals"))(signal);

    private sealed class Unregister(FakeStopSignals owner) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref owner._onSignal, null);
    }
}

/// <summary>Wraps a backend to record when the host disposes it (the terminal backend restores the terminal then).</summary>
internal sealed class DisposalRecordingBackend(TerminalConsoleBackend inner) : Actors.Devices.Console.IConsoleBackend, IDisposable
{
    private int _disposals;

    public int Disposals => Volatile.Read(ref _disposals);

    public void Write(ReadOnlySpan<byte> bytes) => inner.Write(bytes);

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit) => inner.Start(onInput, onClosed, credit);

    public void Dispose()
    {
        Interlocked.Increment(ref _disposals);
        inner.Dispose();
    }
}
