using LguestActors.Actors.Protocol;

namespace LguestActors.Actors.Tests;

public sealed class ProtocolTests
{
    [Fact]
    public void Hot_messages_are_cached_singletons()
    {
        Assert.Same(RaiseIrq.For(3), RaiseIrq.For(3));
        Assert.Equal(3, RaiseIrq.For(3).Irq);
        Assert.Same(Kick.For(1), Kick.For(1));
        Assert.Equal(40, RaiseIrq.For(40).Irq);
    }
}
