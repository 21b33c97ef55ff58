using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Supervision;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Faults;

/// <summary>The watchdog judges a device by the chance it had, and costs an idle VM nothing.</summary>
public sealed class WatchdogTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly DeviceSupervision FastWatchdog =
        new(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300));

    // One thread for the device and a hog: while the hog runs, the device's mailbox waits (a loaded host).
    private const string Config = """
        starved-dispatcher {
          type = ForkJoinDispatcher
          throughput = 1
          dedicated-thread-pool { thread-count = 1 }
        }
        """;

    private readonly VirtioDeviceHarness _vm = VirtioDeviceHarness.ForConsole();
    private readonly InMemoryConsoleBackend _backend = new();
    private readonly ConsoleDeviceState _state = new();

    public WatchdogTests() : base(Config)
    {
    }

    private FakeVirtioDriver Tx => _vm.Drivers[ConsoleDevice.TransmitQueue];

    private QueueSetup TxSetup => _vm.Transport.Queues[ConsoleDevice.TransmitQueue];

    private async Task<IActorRef> StartConsoleAsync(string? dispatcher = null)
    {
        var props = ConsoleDevice.Props(_vm.Memory, _vm.Transport, CreateTestProbe().Ref, _backend, _state);
        var parent = Sys.ActorOf(SupervisingParent.Props(dispatcher is null ? props : props.WithDispatcher(dispatcher)));
        var device = await parent.Ask<IActorRef>(SupervisingParent.GetChild.Instance, Timeout);
        device.Tell(_vm.StartMessage());
        await AwaitConditionAsync(() => Task.FromResult(_state.Virtio.Started), Timeout);
        return device;
    }

    private IActorRef Watchdog(IActorRef device, WatchdogArm arm)
    {
        var watchdog = Sys.ActorOf(DeviceWatchdog.Props(_vm.Memory,
            [new WatchedDevice("console", device, _state.Virtio, [(ConsoleDevice.TransmitQueue, TxSetup)])], CreateTestProbe().Ref, FastWatchdog, arm));
        arm.Attach(watchdog);
        return watchdog;
    }

    private Task<WatchdogStatus> StatusAsync(IActorRef watchdog) => watchdog.Ask<WatchdogStatus>(GetWatchdogStatus.Instance, Timeout);

    [Fact]
    public async Task A_device_starved_of_its_thread_is_slow_but_healthy_and_is_not_restarted()
    {
        var device = await StartConsoleAsync("starved-dispatcher");
        var hog = Sys.ActorOf(Props.Create(() => new Hog()).WithDispatcher("starved-dispatcher"));
        await hog.Ask<string>(TimeSpan.FromMilliseconds(1500), Timeout); // the device's one thread is now taken for 1.5 s

        Tx.PostReadable("slow\n"); // work the device cannot get to: five watchdog timeouts' worth
        IActorRef watchdog = null!;
        await EventFilter.Warning(contains: "made no progress").ExpectAsync(0, async () =>
        {
            watchdog = Watchdog(device, new WatchdogArm());
            await _backend.WaitForOutputAsync("slow\n", Timeout);
            await Task.Delay(200);
        });

        Assert.Equal("slow\n", _backend.Output);
        Assert.Equal(0, (await StatusAsync(watchdog)).Restarts);
    }

    [Fact]
    public async Task An_idle_VM_costs_the_watchdog_no_ticks_and_a_kick_wakes_it_until_the_work_is_done()
    {
        var device = await StartConsoleAsync();
        var arm = new WatchdogArm();
        var watchdog = Watchdog(device, arm);

        await Task.Delay(300); // six intervals with nothing to do
        Assert.Equal(new WatchdogStatus(false, 0, 0), await StatusAsync(watchdog));

        Tx.PostReadable("work\n");
        arm.Kicked(); // what the vCPU does with every kick it routes
        device.Tell(Kick.For(ConsoleDevice.TransmitQueue));
        await _backend.WaitForOutputAsync("work\n", Timeout);

        await AwaitAssertAsync(async () => Assert.True((await StatusAsync(watchdog)).Ticks > 0), Timeout);
        await AwaitAssertAsync(async () => Assert.False((await StatusAsync(watchdog)).Ticking), Timeout); // asleep again
        long ticks = (await StatusAsync(watchdog)).Ticks;
        await Task.Delay(300);
        Assert.Equal(ticks, (await StatusAsync(watchdog)).Ticks);
        Assert.False(arm.Armed);
    }

    /// <summary>Answers, then holds its dispatcher's thread for the time it was sent.</summary>
    private sealed class Hog : ReceiveActor
    {
        public Hog() => Receive<TimeSpan>(busy =>
        {
            Sender.Tell("started");
            Thread.Sleep(busy);
        });
    }
}
