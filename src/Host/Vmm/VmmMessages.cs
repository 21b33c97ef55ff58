using LguestActors.Actors.Launcher;

namespace LguestActors.Host.Vmm;

/// <summary>
/// Asks <see cref="VmmRoot"/> to boot a VM. The reply, once every actor of the VM has stopped, is
/// the launcher's <see cref="VmExited"/>, or <see cref="LauncherFailed"/>.
/// </summary>
internal sealed record RunVm(VmConfig Config);

/// <summary>The VM's launcher stopped (it threw, or stopped itself) without reporting how the guest ended.</summary>
internal sealed record LauncherFailed(string Name, string Reason);

/// <summary>
/// Stop every VM (coordinated shutdown); replies <see cref="Akka.Done"/> when all have stopped. Each
/// VM ends as <c>Stopped</c> with <paramref name="Reason"/> (the host's own line, "stopped by SIGTERM").
/// </summary>
internal sealed record StopAllVms(string Reason)
{
    /// <summary>The host stops what is left after the run ended for another reason (the first VM ended).</summary>
    public static readonly StopAllVms ByHost = new("stopped by the host");
}
