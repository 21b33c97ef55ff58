using Akka.Actor;
using Akka.Event;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Network;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

/// <summary>
/// The VM's actors dispatch with a switch (docs/PERFORMANCE.md, start-up), not ReceiveActor's
/// matcher: a message none of their cases takes must still reach Unhandled, where Akka publishes
/// it (and logs it with akka.actor.debug.unhandled), and guarded cases keep ReceiveActor's
/// first-match order.
/// </summary>
public sealed class MessageDispatchTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private sealed record NobodysMessage(string To);

    [Fact]
    public async Task Every_actor_of_a_running_VM_publishes_a_message_it_does_not_know_as_unhandled()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(UnhandledMessage));
        var lan = Sys.ActorOf(NetworkSwitch.Props("odd"), NetworkSwitch.ActorPrefix + "odd");
        var console = new InMemoryConsoleBackend();
        var config = new VmConfig("odd", 32UL << 20, GuestImages.Read(), "",
        [
            new ConsoleConfig(console),
            new NetDeviceConfig(MacAddress.FromName("odd"), new SwitchPortBackend(lan)),
            new BlockDeviceConfig(new InMemoryBlockBackend(1 << 20)),
            new RngDeviceConfig(new SeededEntropySource(1)),
        ]);
        var vm = VmLauncher.Launch(Sys, config);
        await console.WaitForOutputAsync("lguest> ", Timeout);
        var info = await vm.Launcher.Ask<VmInfo>(GetVmInfo.Instance, Timeout);
        var watchdog = await Sys.ActorSelection(vm.Launcher.Path / "watchdog").ResolveOne(Timeout);
        var exitListener = await Sys.ActorSelection("/user/vm-odd-exit").ResolveOne(Timeout);
        IActorRef[] actors = [vm.Launcher, info.Vcpu, info.Interrupts, watchdog, exitListener, lan, .. info.Devices];
        Assert.Equal(4, info.Devices.Count);

        foreach (var actor in actors)
        {
            var message = new NobodysMessage(actor.Path.ToStringWithoutAddress());
            actor.Tell(message, TestActor);
            var unhandled = await FishForMessageAsync<UnhandledMessage>(u => message.Equals(u.Message), Timeout, $"{actor.Path} did not publish {message} as unhandled");
            Assert.Equal(actor, unhandled.Recipient);
        }

        console.Type("poweroff\r");
        Assert.Equal(GuestExitKind.PowerOff, (await vm.Exited.WaitAsync(Timeout)).Kind);
    }

    [Fact]
    public async Task A_vCPU_that_stops_while_its_guest_runs_ends_the_VM_as_a_guest_fault()
    {
        var console = new InMemoryConsoleBackend();
        var vm = VmLauncher.Launch(Sys, new VmConfig("lost", 32UL << 20, GuestImages.Read(), "", [new ConsoleConfig(console)]));
        await console.WaitForOutputAsync("lguest> ", Timeout);
        var info = await vm.Launcher.Ask<VmInfo>(GetVmInfo.Instance, Timeout);

        info.Vcpu.Tell(PoisonPill.Instance);

        var exited = await vm.Exited.WaitAsync(Timeout);
        Assert.Equal((GuestExitKind.GuestFault, "the vCPU stopped unexpectedly"), (exited.Kind, exited.Reason));
    }
}
