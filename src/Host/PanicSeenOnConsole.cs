using System.Text;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host;

/// <summary>
/// The first VM's console, its last few KiB of output kept: how the host tells a Linux guest's
/// panic from its power-off. Linux's lguest code reports both the same way (SHUTDOWN with
/// LGUEST_SHUTDOWN_POWEROFF, arch/x86/lguest/boot.c: lguest_power_off passes "Power down",
/// lguest_panic the panic message), but panic() first prints <c>Kernel panic - not syncing: </c>
/// and that message on every console, and virtio's console driver waits until the device has
/// taken each write, so the line is here before the SHUTDOWN is. A power-off whose reason the
/// console has just shown after that prefix is a panic: exit 1 with the line, as the sample
/// kernel's own <c>panic</c> (whose reason carries the prefix itself, <see cref="GuestExits.OfShutdown"/>).
/// </summary>
internal sealed class PanicSeenOnConsole(IConsoleBackend inner) : IConsoleBackend
{
    /// <summary>What Linux's panic() prints before the message (kernel/panic.c).</summary>
    public const string LinuxPanicLine = "Kernel panic - not syncing: ";

    /// <summary>How much output is kept: a panic message with the prefix fits many times over.</summary>
    public const int Kept = 4096;

    private readonly Lock _lock = new();
    private readonly byte[] _tail = new byte[Kept];
    private int _length;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        inner.Write(bytes);
        lock (_lock)
        {
            if (bytes.Length >= Kept)
            {
                bytes[^Kept..].CopyTo(_tail);
                _length = Kept;
                return;
            }
            int keep = Math.Min(_length, Kept - bytes.Length);
            _tail.AsSpan(_length - keep, keep).CopyTo(_tail); // the newest of what was kept moves to the front
            bytes.CopyTo(_tail.AsSpan(keep));
            _length = keep + bytes.Length;
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
        string line = LinuxPanicLine + exited.Reason;
        string tail;
        lock (_lock)
        {
            tail = Encoding.Latin1.GetString(_tail, 0, _length);
        }
        return tail.Contains(line, StringComparison.Ordinal) ? exited with { Kind = GuestExitKind.Panic, Reason = line } : exited;
    }
}
