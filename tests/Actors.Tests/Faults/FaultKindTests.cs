using LguestActors.Actors.Devices;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Supervision;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Faults;

/// <summary>Each fault kind on one console device (no guest), and the watchdog's three duties.</summary>
public sealed class FaultKindTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly DeviceSupervision FastWatchdog =
        new(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300));

    private readonly VirtioDeviceHarness _vm = VirtioDeviceHarness.ForConsole();
    private readonly InMemoryConsoleBackend _backend = new();
    private readonly ConsoleDeviceState _state = new();

    private FakeVirtioDriver Tx => _vm.Drivers[ConsoleDevice.TransmitQueue];

    private QueueSetup TxSetup => _vm.Transport.Queues[ConsoleDevice.TransmitQueue];

    /// <summary>A started console under a supervising parent; returns the device's own ref.</summary>
    private async Task<IActorRef> StartSupervisedConsoleAsync(IActorRef interrupts)
    {
        var parent = Sys.ActorOf(SupervisingParent.Props(ConsoleDevice.Props(_vm.Memory, _vm.Transport, interrupts, _backend, _state)));
        var device = await parent.Ask<IActorRef>(SupervisingParent.GetChild.Instance, Timeout);
        device.Tell(_vm.StartMessage());
        await AwaitConditionAsync(() => Task.FromResult(_state.Virtio.Started), Timeout);
        return device;
    }

    /// <summary>Woken by the kicks, as the vCPU wakes it (WatchdogArm.Kicked) with every kick it routes.</summary>
    private readonly WatchdogArm _arm = new();

    private IActorRef Watchdog(IActorRef device, IActorRef interrupts)
    {
        var watchdog = Sys.ActorOf(DeviceWatchdog.Props(_vm.Memory,
            [new WatchedDevice("console", device, _state.Virtio, [(ConsoleDevice.TransmitQueue, TxSetup)])], interrupts, FastWatchdog, _arm));
        _arm.Attach(watchdog);
        return watchdog;
    }

    [Fact]
    public async Task The_watchdog_restarts_a_device_that_sits_on_a_request_and_the_restart_finishes_it()
    {
        var irq = CreateTestProbe();
        var device = await StartSupervisedConsoleAsync(irq.Ref);
        // A request taken and then forgotten (as by a hung incarnation): in flight, never completed.
        Tx.PostReadable("stuck\n");
        var engine = new VirtQueue(_vm.Memory, TxSetup, _vm.RamSize, ChainDirection.ReadOnly, _state.Virtio.Features, _state.Virtio.Queues[ConsoleDevice.TransmitQueue]);
        Assert.True(engine.TryPop(out _));

        await EventFilter.Warning(contains: "made no progress").ExpectOneAsync(async () =>
        {
            Watchdog(device, irq.Ref);
            await _backend.WaitForOutputAsync("stuck\n", Timeout);
        });
        await AwaitConditionAsync(() => Task.FromResult(Tx.UsedIdx == 1), Timeout);
        Assert.Equal("stuck\n", _backend.Output);
    }

    [Fact]
    public async Task A_lost_IRQ_is_raised_again_by_the_watchdog()
    {
        var lostIrqs = CreateTestProbe();
        var irq = CreateTestProbe();
        var device = await StartSupervisedConsoleAsync(lostIrqs.Ref); // the device's IRQs go nowhere
        Watchdog(device, irq.Ref);

        Tx.PostReadable("done, tell me\n");
        device.Tell(Kick.For(ConsoleDevice.TransmitQueue));
        _arm.Kicked();

        var raised = await irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal(TxSetup.Irq, raised.Irq);
    }

    [Fact]
    public async Task A_kill_on_the_kick_link_restarts_the_device_and_the_kick_is_still_served()
    {
        var injector = new FaultInjector(new FaultPlan { Seed = 5, KillProbability = 1 });
        var device = await StartSupervisedConsoleAsync(CreateTestProbe().Ref);
        var link = Sys.ActorOf(FaultLink.ForKicks(device, "console", injector));

        Tx.PostReadable("after the kill\n");
        link.Tell(Kick.For(ConsoleDevice.TransmitQueue));

        await _backend.WaitForOutputAsync("after the kill\n", Timeout);
        Assert.Equal(1, injector.Counters.Kills);
        Assert.Equal("after the kill\n", _backend.Output);
    }

    [Fact]
    public async Task Links_drop_duplicate_and_delay_as_the_plan_says()
    {
        var target = CreateTestProbe();
        var drop = new FaultInjector(new FaultPlan { Irqs = LinkFaults.None with { Drop = 1 } });
        var dup = new FaultInjector(new FaultPlan { Irqs = LinkFaults.None with { Duplicate = 1 } });
        var delay = new FaultInjector(new FaultPlan { Irqs = LinkFaults.None with { Delay = 1, DelayBy = TimeSpan.FromMilliseconds(200) } });

        Sys.ActorOf(FaultLink.ForIrqs(target.Ref, "console", drop)).Tell(RaiseIrq.For(1));
        Sys.ActorOf(FaultLink.ForIrqs(target.Ref, "console", dup)).Tell(RaiseIrq.For(2));
        Sys.ActorOf(FaultLink.ForIrqs(target.Ref, "console", delay)).Tell(RaiseIrq.For(3));

        Assert.Equal(2, (await target.ExpectMsgAsync<RaiseIrq>(Timeout)).Irq);
        Assert.Equal(2, (await target.ExpectMsgAsync<RaiseIrq>(Timeout)).Irq);
        Assert.Equal(3, (await target.ExpectMsgAsync<RaiseIrq>(Timeout)).Irq);
        await target.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal((1, 1, 1), (drop.Counters.IrqsDropped, dup.Counters.IrqsDuplicated, delay.Counters.IrqsDelayed));
    }

    [Fact]
    public async Task A_hostile_guest_that_corrupts_a_descriptor_fails_the_device_not_the_host()
    {
        var injector = new FaultInjector(new FaultPlan { Seed = 11, CorruptDescriptor = 1 });
        _state.Virtio.Faults = injector.ForDevice("console");
        var device = await StartSupervisedConsoleAsync(CreateTestProbe().Ref);

        await EventFilter.Error(contains: "FAILED").ExpectOneAsync(async () =>
        {
            Tx.PostReadable("corrupted before the device reads it");
            device.Tell(Kick.For(ConsoleDevice.TransmitQueue));
            await AwaitConditionAsync(() => Task.FromResult((_vm.Status & VirtioStatus.Failed) != 0), Timeout);
        });
        Assert.Equal(1, injector.Counters.Corruptions);
        Assert.Equal("", _backend.Output);
    }

    [Fact]
    public void A_restarted_engine_finishes_several_in_flight_chains_and_applies_each_side_effect_once()
    {
        var state = new VirtQueueState();
        var features = default(RingFeatures);
        var first = new VirtQueue(_vm.Memory, TxSetup, _vm.RamSize, ChainDirection.ReadOnly, features, state);
        Tx.PostReadable("a");
        Tx.PostReadable("b");
        Tx.PostReadable("c");
        var applied = new List<string>();
        Assert.True(first.TryPop(out var a));
        Assert.True(first.TryPop(out var b));
        Assert.True(first.TryPop(out _));
        first.ApplyOnce(a, c => { applied.Add("a"); return 0; });  // done, then the actor died
        first.ApplyOnce(b, c => { applied.Add("b"); return 7; });

        var second = new VirtQueue(_vm.Memory, TxSetup, _vm.RamSize, ChainDirection.ReadOnly, features, state);
        var lengths = new List<uint>();
        foreach (var chain in second.InFlightChains())
        {
            uint n = second.ApplyOnce(chain, c => { applied.Add(System.Text.Encoding.ASCII.GetString(c.ReadAll(_vm.Memory))); return 1; });
            second.Complete(chain.Head, n);
            lengths.Add(n);
        }

        Assert.Equal(["a", "b", "c"], applied);
        Assert.Equal([0u, 7u, 1u], lengths);
        Assert.Equal(3, Tx.UsedIdx);
        Assert.False(second.TryPop(out _));
    }

    [Fact]
    public void A_plan_reads_from_hocon_and_rejects_a_bad_probability()
    {
        var config = ConfigurationFactory.ParseString("""
            seed = 42
            devices = [console]
            crash { probability = 0.01, every-n-requests = 5, points = [before-side-effect, after-publish], max = 100 }
            kicks { drop = 0.1, delay-by = 3ms }
            backend { io-error = 0.2, slow-delay = 50ms }
            """);
        var plan = FaultPlan.FromConfig(config);
        Assert.Equal(42, plan.Seed);
        Assert.Equal(["console"], plan.Devices);
        Assert.Equal(FaultPoint.BeforeSideEffect | FaultPoint.AfterPublish, plan.CrashPoints);
        Assert.Equal((0.01, 5, 100), (plan.CrashProbability, plan.CrashEveryNRequests, plan.MaxCrashes));
        Assert.Equal(TimeSpan.FromMilliseconds(3), plan.Kicks.DelayBy);
        Assert.Equal(0.2, plan.BackendIoError);
        Assert.Equal(TimeSpan.FromMilliseconds(50), plan.SlowIoDelay);
        Assert.True(plan.IsActive);
        Assert.False(plan.AppliesTo("net0"));

        var bad = Assert.Throws<ConfigurationException>(() => FaultPlan.FromConfig(ConfigurationFactory.ParseString("irqs.drop = 1.5")));
        Assert.Contains("irqs.drop", bad.Message);
    }

    [Theory]
    [InlineData("blk")]
    [InlineData("console0")]
    [InlineData("disk0")]
    [InlineData("net01")]
    public void A_plan_naming_a_device_no_kind_has_is_refused_with_the_name(string name)
    {
        var bad = Assert.Throws<ConfigurationException>(() => FaultPlan.FromConfig(ConfigurationFactory.ParseString($"devices = [console, {name}]")));

        Assert.Equal($"lguest.faults.devices must be device child names such as {DeviceKinds.Examples}, not '{name}'", bad.Message);
        Assert.StartsWith("console, net0, blk0", DeviceKinds.Examples, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_accepts_every_name_a_kind_gives()
    {
        var plan = FaultPlan.FromConfig(ConfigurationFactory.ParseString("devices = [console, console1, net0, net12, blk0, blk3]"));

        Assert.Equal(6, plan.Devices.Count);
    }
}
