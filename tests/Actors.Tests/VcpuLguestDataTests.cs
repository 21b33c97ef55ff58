using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Interrupts;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Memory;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

// lguest semantics a Linux guest relies on: the async hypercall ring is drained before every
// hypercall (lguest's do_hypercalls), the TSC keeps the vCPU's clock, and the counts a boot is
// measured by.
public sealed class VcpuLguestDataTests : TestKit
{
    private static readonly TimeSpan Timeout = VcpuActorTests.Timeout;
    private const uint LguestData = VcpuActorTests.LguestData;

    private readonly GuestMemory _memory = new(2 << 20);
    private readonly ScriptedCpu _cpu;
    private readonly TestProbe _launcher;

    public VcpuLguestDataTests()
    {
        _cpu = new ScriptedCpu(_memory);
        _launcher = CreateTestProbe("launcher");
    }

    private IActorRef Start(VcpuOptions? options = null)
    {
        var vcpu = _launcher.ChildActorOf(VcpuActor.Props(new PendingIrqs(), (options ?? VcpuOptions.Default) with { CpuFactory = _ => _cpu }), "vcpu");
        vcpu.Tell(new Initialize(_memory, _memory.PageCount, 0x1ff000, 0x100000), _launcher.Ref);
        return vcpu;
    }

    [Fact]
    public async Task The_async_ring_is_served_before_the_hypercall_that_follows_it()
    {
        var device = CreateTestProbe();
        _cpu.AsyncRing.Enqueue(new HypercallRequest(Hypercalls.Notify, 0x300000, 0, 0, 0));
        _cpu.Hypercall(Hypercalls.LguestInit, LguestData).Hypercall(Hypercalls.Notify, 0x2000);
        var vcpu = _launcher.ChildActorOf(VcpuActor.Props(new PendingIrqs(), VcpuOptions.Default with { CpuFactory = _ => _cpu }), "vcpu");
        vcpu.Tell(new RegisterKick(0x300000, device.Ref, Kick.For(2)), _launcher.Ref);
        vcpu.Tell(new Initialize(_memory, _memory.PageCount, 0x1ff000, 0x100000), _launcher.Ref);

        Assert.Same(Kick.For(2), await device.ExpectMsgAsync<Kick>(Timeout));         // the queued kick...
        Assert.Equal(0x2000u, (await _launcher.ExpectMsgAsync<GuestNotify>(Timeout)).Address); // ...then the call
        Assert.True(_cpu.Drains >= 2);                                                // LGUEST_INIT drained too
    }

    [Fact]
    public async Task An_async_NOTIFY_for_the_launcher_holds_the_hypercall_behind_it_until_served()
    {
        _cpu.AsyncRing.Enqueue(new HypercallRequest(Hypercalls.Notify, 0x2000, 0, 0, 0));
        _cpu.Hypercall(Hypercalls.Notify, 0x3000);
        var vcpu = Start();

        Assert.Equal(0x2000u, (await _launcher.ExpectMsgAsync<GuestNotify>(Timeout)).Address);
        await _launcher.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Empty(_cpu.Results);                                // the call itself is not answered yet

        vcpu.Tell(NotifyServed.Instance, _launcher.Ref);
        Assert.Equal(0x3000u, (await _launcher.ExpectMsgAsync<GuestNotify>(Timeout)).Address);
        Assert.Equal([0u], _cpu.Results);                          // one result: the synchronous NOTIFY's
        var stats = await vcpu.Ask<VcpuStats>(GetVcpuStats.Instance, Timeout);
        Assert.Equal((1L, 1L), (stats.Count(Hypercalls.Notify), stats.AsyncHypercalls));
    }

    [Fact]
    public async Task The_vCPU_counts_the_hypercalls_the_guest_made_by_number()
    {
        _cpu.Hypercall(Hypercalls.LguestInit, LguestData).Hypercall(Hypercalls.SendInterrupts).Hypercall(Hypercalls.SendInterrupts)
            .Hypercall(Hypercalls.SetClockEvent, 1_000_000);
        var vcpu = Start();

        await AwaitAssertAsync(async () => Assert.True((await vcpu.Ask<VcpuStatus>(GetVcpuStatus.Instance, Timeout)).Halted), Timeout);
        var stats = await vcpu.Ask<VcpuStats>(GetVcpuStats.Instance, Timeout);

        Assert.Equal(2, stats.Count(Hypercalls.SendInterrupts));
        Assert.Equal(1, stats.Count(Hypercalls.SetClockEvent));
        Assert.Equal(1, stats.Count(Hypercalls.LguestInit));
        Assert.Equal(0, stats.Count(Hypercalls.Notify));
        Assert.Equal(4UL, stats.Retired);                          // ScriptedCpu: one "instruction" per hypercall step; the final HLT none
    }

    [Fact]
    public async Task The_guests_tsc_is_the_vCPUs_clock_unless_a_simulation_plugs_its_own()
    {
        var clock = new ManualClock();
        Start(VcpuOptions.Default with { Clock = clock });
        await AwaitConditionAsync(() => Task.FromResult(_cpu.Runs > 0), Timeout);

        var tsc = Assert.IsType<ClockTsc>(_cpu.Tsc);
        ulong before = tsc.Read(0);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2_000_000_000UL, tsc.Read(0) - before);
    }

    [Fact]
    public async Task A_tsc_source_in_the_options_is_the_one_the_guest_reads()
    {
        var mine = new FixedTsc();
        Start(VcpuOptions.Default with { Tsc = mine });
        await AwaitConditionAsync(() => Task.FromResult(_cpu.Runs > 0), Timeout);

        Assert.Same(mine, _cpu.Tsc);
    }

    [Fact]
    public async Task A_guest_spinning_on_PAUSE_ends_its_slice_and_runs_on_after_the_devices_had_the_CPU()
    {
        _cpu.Hypercall(Hypercalls.LguestInit, LguestData).Then(_ => { }).Pause().Pause().Hypercall(Hypercalls.Notify, 0x2000);
        var vcpu = Start();

        Assert.Equal(0x2000u, (await _launcher.ExpectMsgAsync<GuestNotify>(Timeout)).Address);
        var stats = await vcpu.Ask<VcpuStats>(GetVcpuStats.Instance, Timeout);
        Assert.Equal(2, stats.PauseExits);
    }

    private sealed class FixedTsc : ITscSource
    {
        public uint KiloHertz => 1000;

        public ulong Read(ulong retired) => 42;
    }
}
