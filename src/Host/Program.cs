using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Host.Configuration;
using LguestActors.Host.Vmm;

namespace LguestActors.Host;

/// <summary>The composition root: the one place that names the concrete launcher and console backend.</summary>
internal static class Program
{
    /// <summary>The launcher of each VM.</summary>
    internal static readonly VmPropsFactory LauncherProps = (config, exitListener) => GuestSupervisor.Props(config, exitListener);

    private static int Main(string[] args)
    {
        var env = new HostEnvironment(
            System.Console.Out,
            System.Console.Error,
            [AppContext.BaseDirectory, Environment.CurrentDirectory],
            LauncherProps,
            OpenConsole,
            new PosixStopSignals());
        return LguestHost.RunAsync(args, env).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The guest's console on this process's stdin/stdout. When stdin is a terminal it goes to raw
    /// mode (restored when the host disposes the backend), every key goes to the guest, and the
    /// escape sequence calls <paramref name="stopVm"/>; piped stdin is read as it is.
    /// </summary>
    private static IConsoleBackend OpenConsole(LguestSettings settings, Action stopVm)
    {
        var terminal = new TerminalConsoleBackend(EscapeDetectorFor(settings.ConsoleEscape, TimeProvider.System));
        terminal.ExitRequested += (_, _) => stopVm();
        return terminal;
    }

    /// <summary>
    /// The detector for <c>lguest.console.escape-*</c>: <see cref="ConsoleEscape.Count"/> presses of
    /// <see cref="ConsoleEscape.Key"/> within <see cref="ConsoleEscape.Window"/>; null when the key is "off".
    /// </summary>
    internal static EscapeDetector? EscapeDetectorFor(ConsoleEscape escape, TimeProvider clock) =>
        escape.Key is byte key ? new EscapeDetector(key, escape.Count, escape.Window, clock) : null;
}
