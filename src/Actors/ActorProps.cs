using Akka.Actor;

namespace LguestActors.Actors;

/// <summary>
/// Props made from a factory delegate. Akka's <c>Props.Create(() =&gt; new T(...))</c> takes an
/// expression tree and evaluates each constructor argument by compiling it; with run-time code
/// generation off (the published host, docs/PERFORMANCE.md, start-up) that is System.Linq.Expressions'
/// interpreter plus emitted thunks, loaded and run on the way to the guest's first console byte.
/// A delegate is compiled ahead of time like the rest of the project. These Props are local-only
/// (nothing here deploys actors remotely), so the producer never needs to be serialized.
/// </summary>
public static class ActorProps
{
    /// <summary>Props whose actor is whatever <paramref name="factory"/> returns, called once per (re)start.</summary>
    public static Props Of<TActor>(Func<TActor> factory)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Props.CreateBy(new FactoryProducer<TActor>(factory), typeof(TActor));
    }

    private sealed class FactoryProducer<TActor>(Func<TActor> factory) : IIndirectActorProducer
        where TActor : ActorBase
    {
        public Type ActorType => typeof(TActor);

        public ActorBase Produce() => factory();

        public void Release(ActorBase actor)
        {
        }
    }
}
