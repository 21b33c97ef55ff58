using LguestActors.Actors.Devices.Console;
using LguestActors.Host.Configuration;
using LguestActors.Host.Vmm;

namespace LguestActors.Host;

/// <summary>
/// Makes the console backend of the VM (the terminal in the shipped host). <paramref name="settings"/>
/// carries the console escape (<see cref="LguestSettings.ConsoleEscape"/>); a backend that sees it
/// typed calls <paramref name="stopVm"/>, and the host stops the VM as for SIGINT (exit 130).
/// </summary>
internal delegate IConsoleBackend ConsoleBackendFactory(LguestSettings settings, Action stopVm);

/// <summary>
/// Everything <see cref="LguestHost"/> takes from the outside world, so a test can run the whole
/// host in-process: Program composes the real ones.
/// </summary>
/// <param name="Out">Where --help and --version go (the guest's console output goes through the backend).</param>
/// <param name="Error">Error lines and log lines.</param>
/// <param name="SearchRoots">Folders where akka.hocon and the sample guest are looked for, beside them or in the source tree above them.</param>
/// <param name="VmProps">The launcher of a VM.</param>
/// <param name="ConsoleBackend">The VM's console backend. The host disposes it (if disposable) after the VM's actors have stopped.</param>
/// <param name="Signals">Stop requests (SIGINT, SIGTERM, SIGHUP).</param>
/// <param name="TapOpener">Opens <c>--net=tap:IFNAME</c>; throws <see cref="Actors.Devices.Net.NetBackendException"/> with one line when it cannot. Null: the real TAP device.</param>
internal sealed record HostEnvironment(
    TextWriter Out,
    TextWriter Error,
    IReadOnlyList<string> SearchRoots,
    VmPropsFactory VmProps,
    ConsoleBackendFactory ConsoleBackend,
    IStopSignals Signals,
    Func<string, Actors.Devices.Net.INetBackend>? TapOpener = null)
{
    public Actors.Devices.Net.INetBackend OpenTap(string name) =>
        TapOpener is not null ? TapOpener(name) : Actors.Devices.Net.TapNetBackend.Open(name);
}
