using Akka.Actor;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host.Vmm;

/// <summary>
/// The launcher of a host built without one: reports at once that the VM could not boot. Program
/// uses it only until <c>GuestSupervisor.Props</c> is composed in (see Program.LauncherProps).
/// </summary>
internal sealed class NoLauncher : ReceiveActor
{
    public const string Reason = "this build of the host has no launcher (GuestSupervisor)";

    public NoLauncher(VmConfig config, IActorRef exitListener)
    {
        exitListener.Tell(new VmExited(config.Name, GuestExitKind.BootFailed, Reason));
    }

    public static Props Props(VmConfig config, IActorRef exitListener) =>
        Akka.Actor.Props.Create(() => new NoLauncher(config, exitListener));
}
