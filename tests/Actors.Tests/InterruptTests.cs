using Akka.TestKit.Xunit2;
using LguestActors.Actors.Interrupts;
using LguestActors.Actors.Protocol;

namespace LguestActors.Actors.Tests;

public sealed class PendingIrqsTests
{
    [Fact]
    public void Setting_an_IRQ_reports_whether_it_was_newly_pending()
    {
        var pending = new PendingIrqs();
        Assert.True(pending.Set(5));
        Assert.False(pending.Set(5));
        Assert.True(pending.IsPending(5));
        pending.Clear(5);
        Assert.False(pending.Any);
    }

    [Fact]
    public void The_lowest_pending_IRQ_comes_first_and_masked_ones_are_skipped()
    {
        var pending = new PendingIrqs();
        pending.Set(7);
        pending.Set(3);
        pending.Set(31);
        Assert.Equal(3, pending.Lowest());
        Assert.Equal(7, pending.Lowest(masked: 1u << 3));
        Assert.Equal(31, pending.Lowest(masked: (1u << 3) | (1u << 7)));
        Assert.Equal(-1, pending.Lowest(masked: uint.MaxValue));
    }

    [Fact]
    public void Concurrent_raisers_lose_no_IRQ()
    {
        var pending = new PendingIrqs();
        Parallel.For(0, 32, irq => pending.Set(irq));
        Assert.Equal(uint.MaxValue, pending.Bits);
    }

    [Fact]
    public void IRQs_outside_0_to_31_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PendingIrqs().Set(32));
    }
}

public sealed class InterruptControllerTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_raised_IRQ_becomes_pending_and_nudges_the_vCPU()
    {
        var pending = new PendingIrqs();
        var vcpu = CreateTestProbe();
        var irq = Sys.ActorOf(InterruptController.Props(pending, vcpu.Ref));

        irq.Tell(RaiseIrq.For(4), TestActor);
        await vcpu.ExpectMsgAsync<IrqPending>(Timeout);
        Assert.True(pending.IsPending(4));
    }

    [Fact]
    public async Task An_IRQ_already_pending_does_not_nudge_again()
    {
        var pending = new PendingIrqs();
        var vcpu = CreateTestProbe();
        var irq = Sys.ActorOf(InterruptController.Props(pending, vcpu.Ref));

        irq.Tell(RaiseIrq.For(4), TestActor);
        irq.Tell(RaiseIrq.For(4), TestActor);
        irq.Tell(RaiseIrq.For(6), TestActor);
        await vcpu.ExpectMsgAsync<IrqPending>(Timeout);
        await vcpu.ExpectMsgAsync<IrqPending>(Timeout);
        await AwaitConditionAsync(() => Task.FromResult(pending.IsPending(6)), Timeout);
        Assert.False(vcpu.HasMessages); // two nudges for 4 and 6, none for the repeated 4
    }

    [Fact]
    public async Task An_IRQ_number_lguest_does_not_have_is_logged_and_ignored()
    {
        var pending = new PendingIrqs();
        var vcpu = CreateTestProbe();
        var irq = Sys.ActorOf(InterruptController.Props(pending, vcpu.Ref));

        await EventFilter.Warning(contains: "RaiseIrq(40)").ExpectOneWhileAsync(() => irq.Tell(RaiseIrq.For(40), TestActor), Timeout);
        Assert.False(pending.Any);
    }
}
