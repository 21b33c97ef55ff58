using LguestActors.Actors.Devices.Console;
using LguestActors.Host.Configuration;
using LguestActors.Host.Console;
using LguestActors.Host.Vmm;

namespace LguestActors.Host;

/// <summary>The composition root: the one place that names the concrete launcher and console backend.</summary>
internal static class Program
{
    /// <summary>The launcher of each VM: GuestSupervisor.Props once the launcher is part of the build.</summary>
    internal static readonly VmPropsFactory LauncherProps = NoLauncher.Props;

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

    /// <summary>The guest's console: this terminal, or plain streams when stdin or stdout is redirected (no raw mode to restore).</summary>
    private static IConsoleBackend OpenConsole(LguestSettings settings, Action stopVm) =>
        System.Console.IsInputRedirected || System.Console.IsOutputRedirected
            ? OpenStreams()
            : OpenTerminal(settings, stopVm);

    /// <summary>
    /// The interactive terminal: raw mode, every key to the guest, and <paramref name="stopVm"/> when
    /// the escape (<see cref="LguestSettings.ConsoleEscape"/>) is typed. The terminal backend is the
    /// console device's (src/Actors/Devices/Console); until it is part of the build, plain streams.
    /// </summary>
    private static IConsoleBackend OpenTerminal(LguestSettings settings, Action stopVm) => OpenStreams();

    private static StreamConsoleBackend OpenStreams() =>
        new(System.Console.OpenStandardInput(), System.Console.OpenStandardOutput());
}
