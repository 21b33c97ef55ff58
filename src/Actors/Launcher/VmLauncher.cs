using Akka.Actor;

namespace LguestActors.Actors.Launcher;

/// <summary>
/// The edge where a host (or a test) starts a VM and learns how it ended, without writing an
/// actor: <c>var vm = VmLauncher.Launch(system, config); ... var exit = await vm.Exited;</c>.
/// </summary>
public static class VmLauncher
{
    /// <summary>
    /// Spawns <c>/user/vm-NAME</c> (a GuestSupervisor) and a listener that completes
    /// <see cref="RunningVm.Exited"/> with the VM's <see cref="VmExited"/>.
    /// </summary>
    public static RunningVm Launch(ActorSystem system, VmConfig config, GuestSupervisorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(config);
        var exited = new TaskCompletionSource<VmExited>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = system.ActorOf(ActorProps.Of(() => new ExitListener(exited)), $"vm-{config.Name}-exit");
        var vm = system.ActorOf(GuestSupervisor.Props(config, listener, options), $"vm-{config.Name}");
        return new RunningVm(vm, exited.Task);
    }

    // An UntypedActor, not a ReceiveActor: the published host interprets ReceiveActor's
    // expression-tree matcher and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    private sealed class ExitListener(TaskCompletionSource<VmExited> exited) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is VmExited e)
            {
                exited.TrySetResult(e);
                Context.Stop(Self);
            }
            else
            {
                Unhandled(message);
            }
        }
    }
}

/// <summary>A launched VM: its launcher actor (send it <see cref="StopVm"/>) and its end.</summary>
public sealed record RunningVm(IActorRef Launcher, Task<VmExited> Exited)
{
    /// <summary>Asks the VM to stop; <see cref="Exited"/> then completes with Stopped.</summary>
    public void Stop(string reason) => Launcher.Tell(new StopVm(reason), ActorRefs.NoSender);
}
