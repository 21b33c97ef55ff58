using Akka.Actor;
using Akka.TestKit;
using LguestActors.Actors.Devices;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;

namespace LguestActors.Testing;

/// <summary>
/// A whole VM booted in a test's actor system: its launcher, a probe that receives
/// <see cref="VmExited"/>, and the in-memory console to type into and read.
/// </summary>
public sealed class BootedGuest
{
    private BootedGuest(IActorRef launcher, TestProbe exits, InMemoryConsoleBackend console)
    {
        Launcher = launcher;
        Exits = exits;
        Console = console;
    }

    public IActorRef Launcher { get; }

    public TestProbe Exits { get; }

    public InMemoryConsoleBackend Console { get; }

    /// <summary>
    /// Boots <paramref name="kernel"/> (e.g. <see cref="GuestImages.Read"/>) with a console first
    /// and then <paramref name="devices"/>; <paramref name="configure"/> may add faults, supervision….
    /// </summary>
    public static BootedGuest Start(TestKitBase kit, byte[] kernel, string commandLine = "", IReadOnlyList<DeviceConfig>? devices = null,
        Func<VmConfig, VmConfig>? configure = null, string name = "guest", ulong memoryBytes = 32UL << 20)
    {
        ArgumentNullException.ThrowIfNull(kit);
        var console = new InMemoryConsoleBackend();
        var config = new VmConfig(name, memoryBytes, kernel, commandLine, [new ConsoleConfig(console), .. devices ?? []]);
        config = configure?.Invoke(config) ?? config;
        var exits = kit.CreateTestProbe();
        var launcher = kit.Sys.ActorOf(GuestSupervisor.Props(config, exits.Ref));
        return new BootedGuest(launcher, exits, console);
    }

    /// <summary>Types <paramref name="line"/> and a return, as at a terminal.</summary>
    public void Type(string line) => Console.Type(line + "\r");

    public Task WaitForOutputAsync(string text, TimeSpan timeout) => Console.WaitForOutputAsync(text, timeout);

    /// <summary>Waits for the VM to end.</summary>
    public Task<VmExited> ExitedAsync(TimeSpan timeout) => Exits.ExpectMsgAsync<VmExited>(timeout).AsTask();
}
