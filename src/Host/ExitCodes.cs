using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host;

/// <summary>The process exit status says how the guest ended (docs/HOST.md has the table).</summary>
internal static class ExitCodes
{
    /// <summary>The guest powered off (SHUTDOWN with LGUEST_SHUTDOWN_POWEROFF).</summary>
    public const int PowerOff = 0;

    /// <summary>The guest panicked, faulted or failed to boot, or the host could not use a file.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>
    /// The guest asked to restart (LGUEST_SHUTDOWN_RESTART). lguest's launcher re-executed itself;
    /// this host exits with a code of its own instead, so a wrapper can loop on it.
    /// </summary>
    public const int Restart = 3;

    /// <summary>Shells report death by signal N as 128 + N; a gracefully stopped host says the same.</summary>
    public static int ForSignal(StopSignal signal) => 128 + (int)signal;

    /// <summary>
    /// A VM stopped from inside (the console escape) ends like lguest's, whose launcher sent
    /// itself SIGINT on the third Ctrl-C.
    /// </summary>
    public static readonly int Stopped = ForSignal(StopSignal.Interrupt);

    /// <summary>The exit code and the line for stderr (null: nothing to say) for how the guest ended.</summary>
    public static (int Code, string? Line) For(VmExited exited)
    {
        ArgumentNullException.ThrowIfNull(exited);
        return exited.Kind switch
        {
            GuestExitKind.PowerOff => (PowerOff, null),
            GuestExitKind.Restart => (Restart, $"the guest asked to restart: {exited.Reason}"),
            GuestExitKind.GuestFault => (Failure, $"guest fault: {exited.Reason}"),
            // lguest's launcher printed the dead guest's reason and exited 1 (errx).
            GuestExitKind.Panic => (Failure, $"the guest panicked: {exited.Reason}"),
            GuestExitKind.BootFailed => (Failure, $"boot failed: {exited.Reason}"),
            GuestExitKind.Stopped => (Stopped, $"stopped: {exited.Reason}"),
            _ => (Failure, $"the guest ended ({exited.Kind}): {exited.Reason}"),
        };
    }
}
