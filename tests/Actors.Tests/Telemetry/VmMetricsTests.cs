using System.Diagnostics;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Telemetry;
using LguestActors.Actors.Tests.Block;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Telemetry;

/// <summary>
/// The "LguestActors" meter and activity source read from outside, with a MeterListener and an
/// ActivityListener, while the sample guest runs: the figures a person watching the VM would see.
/// Each test's VM has a name of its own, and every assertion filters on it (tests run in parallel
/// and the meter is process-wide).
/// </summary>
public sealed class VmMetricsTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public VmMetricsTests() : base(BlockTestConfig.IoDispatcher)
    {
    }

    private async Task<(VmExited Exit, string Console)> BootAsync(string name, string commandLine, InMemoryBlockBackend disk, FaultInjector? faults = null)
    {
        var guest = BootedGuest.Start(this, File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf")), commandLine,
            [new BlockDeviceConfig(disk)], config => config with { Faults = faults ?? FaultInjector.None }, name);
        var exited = await guest.ExitedAsync(Timeout).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
        Assert.True(exited is not null, $"the VM did not end; console:{Environment.NewLine}{guest.Console.Output}");
        return (exited, guest.Console.Output);
    }

    [Fact]
    public async Task A_block_write_shows_its_bytes_requests_latencies_kicks_and_irqs_on_the_meter()
    {
        string vm = $"metrics-{Guid.NewGuid():N}"[..20];
        using var meter = new MeterCapture();
        using var disk = new InMemoryBlockBackend(1 << 20);

        var (exit, console) = await BootAsync(vm, "run=blktest seed=9 start=0 count=300 mode=write", disk);

        Assert.True(exit.Kind == GuestExitKind.PowerOff && exit.Reason.StartsWith("blktest: PASS wrote 300 sectors", StringComparison.Ordinal), $"{exit}{Environment.NewLine}{console}");
        var blk = new[] { ("vm", (object)vm), ("device", (object)"blk0") };
        // What the guest wrote, byte for byte: 300 sectors.
        Assert.Equal(300 * 512, meter.Sum("lguest.block.bytes", [.. blk, ("op", "write")]));
        Assert.Equal(0, meter.Sum("lguest.block.bytes", [.. blk, ("op", "read")]));
        double writes = meter.Sum("lguest.block.operations", [.. blk, ("op", "write"), ("status", "ok")]);
        Assert.True(writes >= 1, "no block write counted");
        // Every request the block device completed is one used entry on its queue 0, each timed.
        double requests = meter.Sum("lguest.virtio.requests", [.. blk, ("queue", 0)]);
        Assert.Equal(meter.Sum("lguest.block.operations", blk), requests);
        Assert.Equal((long)requests, meter.Count("lguest.virtio.request.duration", [.. blk, ("queue", 0)]));
        Assert.All(meter.Values("lguest.virtio.request.duration", blk), ms => Assert.True(ms >= 0));
        // The data went guest → device: the readable side covers it and the 16-byte headers.
        Assert.True(meter.Sum("lguest.virtio.bytes_read", blk) >= (300 * 512) + (16 * writes));
        // The guest kicked the queue, ran instructions in slices, trapped hypercalls, got IRQs.
        Assert.True(meter.Sum("lguest.vcpu.kicks", [.. blk, ("queue", 0)]) >= 1);
        Assert.True(meter.Sum("lguest.vcpu.instructions", ("vm", vm)) > meter.Sum("lguest.vcpu.slices", ("vm", vm)));
        Assert.True(meter.Sum("lguest.vcpu.slices", ("vm", vm)) > 0);
        Assert.Equal(1, meter.Sum("lguest.vcpu.hypercalls", ("vm", vm), ("hypercall", "shutdown")));
        Assert.Contains("notify", meter.TagValues("lguest.vcpu.hypercalls", "hypercall", ("vm", vm)));
        double raised = meter.Sum("lguest.irq.raised", ("vm", vm));
        double delivered = meter.Sum("lguest.irq.delivered", ("vm", vm));
        Assert.True(delivered > 0 && raised > 0, $"raised {raised}, delivered {delivered}");
        Assert.Equal(0, meter.Sum("lguest.faults.injected", ("vm", vm)));
        // Booted, then ended: the VM is no longer counted as running once the launcher stopped.
        await AwaitAssertAsync(() => Assert.Equal(0, meter.Sum("lguest.vms.running", ("vm", vm))), TimeSpan.FromSeconds(10));
        Assert.Equal(2, meter.Count("lguest.vms.running", ("vm", vm))); // +1 at boot, -1 at the end
    }

    [Fact]
    public async Task Injected_crashes_appear_as_faults_and_as_restarts_of_the_device_that_took_them()
    {
        string vm = $"faults-{Guid.NewGuid():N}"[..20];
        using var meter = new MeterCapture();
        using var disk = new InMemoryBlockBackend(1 << 20);
        var injector = new FaultInjector(new FaultPlan { Seed = 3, CrashEveryNRequests = 2, CrashPoints = FaultPoint.AfterTake, MaxCrashes = 5, Devices = ["blk0"] });

        var (exit, console) = await BootAsync(vm, "run=blktest seed=9 start=0 count=64 mode=write", disk, injector);

        Assert.True(exit.Reason.StartsWith("blktest: PASS", StringComparison.Ordinal), $"{exit}{Environment.NewLine}{console}");
        long crashes = injector.Counters.Crashes;
        Assert.True(crashes > 0, "the plan injected no crash");
        Assert.Equal(crashes, meter.Sum("lguest.faults.injected", ("vm", vm), ("kind", "crash")));
        Assert.Equal(crashes, meter.Sum("lguest.device.restarts", ("vm", vm), ("device", "blk0")));
        Assert.Equal(0, meter.Sum("lguest.device.restarts", ("vm", vm), ("device", "console")));
    }

    [Fact]
    public async Task Boot_phases_are_spans_under_one_boot_span_and_requests_are_sampled_as_spans()
    {
        string vm = $"spans-{Guid.NewGuid():N}"[..20];
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == LguestTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (stopped)
                {
                    stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var disk = new InMemoryBlockBackend(1 << 20);

        var (exit, console) = await BootAsync(vm, "run=blktest seed=9 start=0 count=300 mode=write", disk);

        Assert.True(exit.Reason.StartsWith("blktest: PASS", StringComparison.Ordinal), $"{exit}{Environment.NewLine}{console}");
        List<Activity> mine;
        lock (stopped)
        {
            mine = [.. stopped];
        }
        var boot = Assert.Single(mine, a => a.OperationName == "boot" && Equals(a.GetTagItem("vm"), vm));
        var phases = mine.Where(a => a.ParentSpanId == boot.SpanId).Select(a => a.OperationName).ToList();
        Assert.Equal(["boot: memory", "boot: kernel", "boot: initrd", "boot: boot params", "boot: device page", "boot: page tables", "boot: vcpu and interrupts", "boot: devices", "boot: start"], phases);
        var requests = mine.Where(a => a.OperationName == "virtqueue request" && Equals(a.GetTagItem("vm"), vm) && Equals(a.GetTagItem("device"), "blk0")).ToList();
        Assert.NotEmpty(requests); // the first request of each queue is always sampled
        Assert.All(requests, r => Assert.True(r.Duration >= TimeSpan.Zero && r.ParentSpanId == default, $"{r.Duration} {r.ParentSpanId}"));
    }
}
