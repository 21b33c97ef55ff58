using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Supervision;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Loader;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Faults;

/// <summary>
/// A console device inside a real launcher, crashed by the fault plan at each point of its
/// request path: the guest's output must come out complete, in order, and never twice.
/// </summary>
public sealed class ConsoleRecoveryTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private const ulong Ram = 4 << 20;
    private const uint Entry = 0x100000;

    private readonly InMemoryConsoleBackend _backend = new();

    private IActorRef Boot(FaultPlan plan, DeviceSupervision? supervision = null, FaultInjector? injector = null)
    {
        var options = new GuestSupervisorOptions(
            VcpuOptions.Default with
            {
                CpuFactory = memory => new ScriptedCpu(memory).Hypercall(Hypercalls.LguestInit, 0x8000).Sti(),
            },
            (_, _, _) => new Elf32Image(Entry, Entry, Entry + 0x1000));
        var config = new VmConfig("faults", Ram, new byte[] { 0x7f }, "", [new ConsoleConfig(_backend)])
        {
            Faults = injector ?? new FaultInjector(plan),
            Supervision = supervision ?? DeviceSupervision.Default with { WatchdogInterval = TimeSpan.FromMilliseconds(50) },
        };
        return Sys.ActorOf(GuestSupervisor.Props(config, CreateTestProbe().Ref, options));
    }

    private static async Task<(VmInfo Info, FakeVirtioDriver Tx)> StartConsoleAsync(IActorRef vm)
    {
        var info = await vm.Ask<VmInfo>(GetVmInfo.Instance, Timeout);
        var descriptor = info.DevicePage.Devices[0];
        info.Memory.WriteU8(descriptor.StatusAddress, VirtioStatus.Acknowledge | VirtioStatus.Driver);
        vm.Tell(new GuestNotify((uint)descriptor.Address), ActorRefs.NoSender);
        await vm.Ask<VmInfo>(GetVmInfo.Instance, Timeout);
        var q = descriptor.Queues[ConsoleDevice.TransmitQueue];
        return (info, new FakeVirtioDriver(info.Memory, q.Num, q.RingAddress, 0x200000, 0x300000));
    }

    [Theory]
    [InlineData(FaultPoint.AfterTake)]
    [InlineData(FaultPoint.BeforeSideEffect)]
    [InlineData(FaultPoint.AfterSideEffect)]
    [InlineData(FaultPoint.BeforePublish)]
    [InlineData(FaultPoint.AfterPublish)]
    public async Task A_console_crashed_at_each_point_loses_and_repeats_no_output(FaultPoint point)
    {
        var injector = new FaultInjector(new FaultPlan { Seed = 7, CrashEveryNRequests = 1, CrashPoints = point, MaxCrashes = 4 });
        var vm = Boot(FaultPlan.None, injector: injector);
        var (info, tx) = await StartConsoleAsync(vm);

        string expected = "";
        for (int i = 0; i < 6; i++)
        {
            tx.PostReadable($"line {i}\n");
            expected += $"line {i}\n";
        }
        info.Devices[0].Tell(Kick.For(ConsoleDevice.TransmitQueue));

        await AwaitConditionAsync(() => Task.FromResult(tx.UsedIdx == 6), Timeout);
        await _backend.WaitForOutputAsync(expected, Timeout);
        Assert.Equal(expected, _backend.Output); // complete, in order, nothing twice
        Assert.Equal(4, injector.Counters.Crashes);
        Assert.Equal(6, tx.TakeUsed().Count);
    }

    [Fact]
    public async Task A_device_that_keeps_failing_is_failed_to_the_guest_with_one_line()
    {
        var supervision = new DeviceSupervision(3, TimeSpan.FromMinutes(1), TimeSpan.Zero, TimeSpan.Zero);
        var vm = Boot(new FaultPlan { Seed = 1, CrashProbability = 1 }, supervision);
        var (info, tx) = await StartConsoleAsync(vm);
        var status = info.DevicePage.Devices[0].StatusAddress;

        await EventFilter.Error(contains: "FAILED to the guest").ExpectOneAsync(async () =>
        {
            tx.PostReadable("never printed");
            info.Devices[0].Tell(Kick.For(ConsoleDevice.TransmitQueue));
            await AwaitConditionAsync(() => Task.FromResult((info.Memory.ReadU8(status) & VirtioStatus.Failed) != 0), Timeout);
        });
        Assert.Equal("", _backend.Output);
        vm.Tell(new GetVmInfo(), TestActor); // the VM goes on without its console
        await ExpectMsgAsync<VmInfo>(Timeout);
    }

    [Fact]
    public async Task Output_whose_kick_was_lost_is_found_by_the_watchdog()
    {
        var vm = Boot(FaultPlan.None);
        var (info, tx) = await StartConsoleAsync(vm);

        tx.PostReadable("nobody kicked me\n");
        // The vCPU routed the guest's kick, waking the watchdog as it does (WatchdogArm.Kicked),
        // and the kick was lost on its way to the device.
        Sys.ActorSelection(info.Devices[0].Path.Parent / "watchdog").Tell(WakeWatchdog.Instance);

        await _backend.WaitForOutputAsync("nobody kicked me\n", Timeout);
        await AwaitConditionAsync(() => Task.FromResult(tx.UsedIdx == 1), Timeout);
    }

    [Fact]
    public async Task Every_kick_dropped_still_gets_all_output_through_in_order()
    {
        var injector = new FaultInjector(new FaultPlan { Seed = 3, Kicks = LinkFaults.None with { Drop = 1 }, Irqs = LinkFaults.None with { Drop = 1 } });
        var vm = Boot(FaultPlan.None, injector: injector);
        var (info, tx) = await StartConsoleAsync(vm);
        var vcpuKickTarget = await Sys.ActorSelection(info.Devices[0].Path.Parent / "console-kick-link").ResolveOne(Timeout);

        var watchdog = Sys.ActorSelection(info.Devices[0].Path.Parent / "watchdog");
        for (int i = 0; i < 3; i++)
        {
            tx.PostReadable($"dropped {i}\n");
            vcpuKickTarget.Tell(Kick.For(ConsoleDevice.TransmitQueue));
            watchdog.Tell(WakeWatchdog.Instance); // what the vCPU's kick does (WatchdogArm.Kicked); this test kicks in its place
        }

        await _backend.WaitForOutputAsync("dropped 0\ndropped 1\ndropped 2\n", Timeout);
        Assert.Equal("dropped 0\ndropped 1\ndropped 2\n", _backend.Output);
        // The watchdog may find the output before the kick link has taken (and dropped) every kick:
        // two mailboxes, no order between them. Each is dropped once the link takes it.
        await AwaitConditionAsync(() => Task.FromResult(injector.Counters.KicksDropped >= 3), Timeout);
        Assert.Equal(3, injector.Counters.KicksDropped);
    }
}
