using Akka.Actor;
using LguestActors.Actors.Supervision;

namespace LguestActors.Testing;

/// <summary>
/// A parent that supervises one device the way the launcher does (restart on throw or Kill), so a
/// device can be crashed from a test without a whole VM. Ask it <see cref="GetChild"/> for the child.
/// </summary>
public sealed class SupervisingParent : ReceiveActor
{
    private readonly IActorRef _child;

    public SupervisingParent(Props child)
    {
        _child = Context.ActorOf(child, "device");
        Receive<GetChild>(_ => Sender.Tell(_child));
    }

    public static Props Props(Props child) => Akka.Actor.Props.Create(() => new SupervisingParent(child));

    /// <summary>Spawns a parent around <paramref name="child"/> and returns the child's own ref (what to send the device).</summary>
    public static async Task<IActorRef> SpawnAsync(IActorRefFactory system, Props child, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(system);
        var parent = system.ActorOf(Props(child));
        return await parent.Ask<IActorRef>(GetChild.Instance, timeout).ConfigureAwait(false);
    }

    protected override SupervisorStrategy SupervisorStrategy() => new DeviceSupervisorStrategy(_ => null, (_, _) => { });

    public sealed record GetChild
    {
        public static readonly GetChild Instance = new();
    }
}
