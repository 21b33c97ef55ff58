using Akka;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Host.Vmm;

namespace LguestActors.Host.Tests.Hosting;

public sealed class VmmRootTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static VmConfig Vm(string name) => new(name, 1 << 20, new byte[] { 1 }, "", []);

    /// <summary>A launcher that does what the test tells it, and tells the probe its path.</summary>
    private sealed class PuppetLauncher : ReceiveActor
    {
        public PuppetLauncher(VmConfig config, IActorRef exitListener, IActorRef probe)
        {
            probe.Tell(Self.Path.ToStringWithoutAddress());
            Receive<GuestExitKind>(kind => exitListener.Tell(new VmExited(config.Name, kind, "told to")));
            Receive<string>(s => s == "stop", _ => Context.Stop(Self));
        }
    }

    private IActorRef Root(Akka.TestKit.TestProbe launchers) =>
        Sys.ActorOf(VmmRoot.Props((config, listener) => Props.Create(() => new PuppetLauncher(config, listener, launchers.Ref))), "vmm");

    [Fact]
    public async Task Each_vm_is_a_child_named_vm_name_under_user_vmm()
    {
        var launchers = CreateTestProbe();
        IActorRef root = Root(launchers);

        root.Tell(new RunVm(Vm("alpha")), TestActor);

        Assert.Equal("/user/vmm/vm-alpha", await launchers.ExpectMsgAsync<string>(Timeout));
    }

    [Fact]
    public async Task The_host_hears_how_the_guest_ended_once_the_launcher_has_stopped()
    {
        var launchers = CreateTestProbe();
        IActorRef root = Root(launchers);
        var host = CreateTestProbe();
        root.Tell(new RunVm(Vm("alpha")), host.Ref);
        await launchers.ExpectMsgAsync<string>(Timeout);
        IActorRef launcher = await Sys.ActorSelection("/user/vmm/vm-alpha").ResolveOne(Timeout);
        Watch(launcher);

        launcher.Tell(GuestExitKind.Restart);

        await ExpectTerminatedAsync(launcher, Timeout);
        VmExited exited = await host.ExpectMsgAsync<VmExited>(Timeout);
        Assert.Equal(new VmExited("alpha", GuestExitKind.Restart, "told to"), exited);
    }

    [Fact]
    public async Task A_second_vm_with_the_same_name_is_refused()
    {
        var launchers = CreateTestProbe();
        IActorRef root = Root(launchers);
        root.Tell(new RunVm(Vm("alpha")), TestActor);
        await launchers.ExpectMsgAsync<string>(Timeout);

        root.Tell(new RunVm(Vm("alpha")), TestActor);

        Assert.Equal(new LauncherFailed("alpha", "a VM named 'alpha' is already running"), await ExpectMsgAsync<LauncherFailed>(Timeout));
    }

    [Fact]
    public async Task A_launcher_that_stops_without_reporting_is_a_launcher_failure()
    {
        var launchers = CreateTestProbe();
        IActorRef root = Root(launchers);
        root.Tell(new RunVm(Vm("alpha")), TestActor);
        await launchers.ExpectMsgAsync<string>(Timeout);

        (await Sys.ActorSelection("/user/vmm/vm-alpha").ResolveOne(Timeout)).Tell("stop");

        Assert.Equal(
            new LauncherFailed("alpha", "the launcher stopped without reporting how the guest ended"),
            await ExpectMsgAsync<LauncherFailed>(Timeout));
    }

    [Fact]
    public async Task Stopping_all_vms_answers_done_after_each_waiter_hears_stopped()
    {
        var launchers = CreateTestProbe();
        IActorRef root = Root(launchers);
        var host = CreateTestProbe();
        root.Tell(new RunVm(Vm("alpha")), host.Ref);
        root.Tell(new RunVm(Vm("beta")), host.Ref);
        await launchers.ExpectMsgAsync<string>(Timeout);
        await launchers.ExpectMsgAsync<string>(Timeout);

        root.Tell(StopAllVms.ByHost, TestActor);

        await ExpectMsgAsync<Done>(Timeout);
        VmExited[] stopped = [await host.ExpectMsgAsync<VmExited>(Timeout), await host.ExpectMsgAsync<VmExited>(Timeout)];
        Assert.Equal(["alpha", "beta"], stopped.Select(e => e.Name).Order());
        Assert.All(stopped, e => Assert.Equal(GuestExitKind.Stopped, e.Kind));
    }

    [Fact]
    public async Task Stopping_with_no_vms_answers_done_at_once()
    {
        IActorRef root = Root(CreateTestProbe());

        root.Tell(StopAllVms.ByHost, TestActor);

        await ExpectMsgAsync<Done>(Timeout);
    }
}
