using Akka.Actor;
using LguestActors.Actors;
using LguestActors.Host.Vmm;

namespace LguestActors.Host.Tests.Hosting;

/// <summary>
/// The published host runs without run-time code generation (docs/PERFORMANCE.md, start-up), where
/// a ReceiveActor's matcher (an expression tree, built per actor type) loads System.Linq.Expressions
/// and Reflection.Emit at start and is interpreted for every message. So no actor of the host or of
/// a VM is one (tests and benches may be).
/// </summary>
public sealed class ActorKindTests
{
    [Fact]
    public void No_actor_of_the_host_or_of_a_VM_is_a_ReceiveActor()
    {
        var actors = new[] { typeof(ActorProps).Assembly, typeof(VmmRoot).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(ActorBase).IsAssignableFrom(t))
            .ToList();

        Assert.Contains(typeof(VmmRoot), actors); // the scan sees the host's actors at all
        Assert.True(actors.Count >= 10, string.Join(", ", actors.Select(t => t.Name)));
        Assert.Empty(actors.Where(t => typeof(ReceiveActor).IsAssignableFrom(t)).Select(t => t.FullName));
    }
}
