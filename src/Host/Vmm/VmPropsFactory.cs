using Akka.Actor;
using LguestActors.Actors.Launcher;

namespace LguestActors.Host.Vmm;

/// <summary>
/// Makes the props of one VM's launcher: the launcher boots <paramref name="config"/> and, when
/// the guest has ended, sends <see cref="VmExited"/> to <paramref name="exitListener"/>.
/// In the shipped host this is <c>GuestSupervisor.Props</c>; tests pass a fake launcher.
/// </summary>
internal delegate Props VmPropsFactory(VmConfig config, IActorRef exitListener);
