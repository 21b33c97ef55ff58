using System.Text;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host;

/// <summary>
/// A VM's console, watched for the line Linux's panic() prints: how the host tells a Linux
/// guest's panic from its power-off. Linux's lguest code reports both the same way (SHUTDOWN with
/// LGUEST_SHUTDOWN_POWEROFF, arch/x86/lguest/boot.c: lguest_power_off passes "Power down",
/// lguest_panic the panic message), but panic() first prints <c>Kernel panic - not syncing: </c>
/// and that message on every console, and virtio's console driver waits until the device has
/// taken each write, so the line is here before the SHUTDOWN is. A power-off whose reason is the
/// last such line the console showed is a panic: exit 1 with the line, as the sample kernel's own
/// <c>panic</c> (whose reason carries the prefix itself, <see cref="GuestExits.OfShutdown"/>).
/// The watch keeps no output, only the line after the prefix (at most <see cref="MaxLine"/>
/// bytes), so a fleet of ten thousand VMs pays a few bytes each.
/// </summary>
internal sealed class PanicSeenOnConsole(IConsoleBackend inner) : IConsoleBackend
{
    /// <summary>What Linux's panic() prints before the message (kernel/panic.c).</summary>
    public const string LinuxPanicLine = "Kernel panic - not syncing: ";

    /// <summary>The longest panic message kept (Linux formats it into a 1 KiB buffer).</summary>
    public const int MaxLine = 1024;

    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes(LinuxPanicLine);

    private readonly Lock _lock = new();
    private int _matched; // bytes of Prefix matched so far ('K' occurs once in it, so a mismatch restarts at 0 or 1)
    private List<byte>? _line; // the message after the prefix, while it is being printed
    private string? _lastPanic;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        inner.Write(bytes);
        lock (_lock)
        {
            foreach (byte b in bytes)
            {
                Watch(b);
            }
        }
    }

    public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit) => inner.Start(onInput, onClosed, credit);

    /// <summary><paramref name="exited"/>, or a <see cref="GuestExitKind.Panic"/> with Linux's whole panic line when the console shows it was one.</summary>
    public VmExited Classify(VmExited exited)
    {
        ArgumentNullException.ThrowIfNull(exited);
        if (exited.Kind != GuestExitKind.PowerOff)
        {
            return exited;
        }
        string? seen;
        lock (_lock)
        {
            seen = _line is not null ? Encoding.Latin1.GetString([.. _line]) : _lastPanic;
        }
        string firstLine = exited.Reason.Split('\n')[0].TrimEnd('\r');
        return seen is not null && seen == firstLine ? exited with { Kind = GuestExitKind.Panic, Reason = LinuxPanicLine + exited.Reason } : exited;
    }

    /// <summary>The console's VmExited reader for <paramref name="vm"/>: its watch when it has one, else as reported.</summary>
    public static Func<VmExited, VmExited> ClassifierOf(VmConfig vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return vm.Devices.OfType<ConsoleConfig>().FirstOrDefault()?.Backend is PanicSeenOnConsole watch ? watch.Classify : e => e;
    }

    private void Watch(byte b)
    {
        if (_line is not null)
        {
            if (b is (byte)'\n' or (byte)'\r')
            {
                _lastPanic = Encoding.Latin1.GetString([.. _line]);
                _line = null;
            }
            else if (_line.Count < MaxLine)
            {
                _line.Add(b);
            }
            return;
        }
        if (b == Prefix[_matched])
        {
            if (++_matched == Prefix.Length)
            {
                _matched = 0;
                _line = [];
            }
            return;
        }
        _matched = b == Prefix[0] ? 1 : 0;
    }
}
