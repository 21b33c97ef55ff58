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

    /// <summary>
    /// The guest's console on this process's stdin/stdout. A terminal backend (raw mode, the escape
    /// key from <paramref name="settings"/>) goes here for an interactive terminal.
    /// </summary>
    private static IConsoleBackend OpenConsole(LguestSettings settings) =>
        new StreamConsoleBackend(System.Console.OpenStandardInput(), System.Console.OpenStandardOutput());
}
