using System.Collections.Concurrent;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

/// <summary>The lifecycle's hook points (for instruments): every device reports them, through the launcher's factory too.</summary>
public sealed class DeviceEventsTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private sealed class Recorder(string device) : IDeviceEvents
    {
        public ConcurrentQueue<string> Seen { get; } = new();

        public void RequestStarted(int queue, ushort head, long readableBytes, long writableBytes) => Seen.Enqueue($"{device} start q{queue} r{readableBytes} w{writableBytes}");

        public void RequestCompleted(int queue, ushort head, uint writtenBytes) => Seen.Enqueue($"{device} done q{queue} {writtenBytes}");

        public void IrqRaised(int queue, int irq) => Seen.Enqueue($"{device} irq q{queue}");

        public void Restarted(Exception reason) => Seen.Enqueue($"{device} restarted");

        public void Failed(int queue, string reason) => Seen.Enqueue($"{device} failed q{queue}");
    }

    [Fact]
    public async Task A_request_a_restart_and_an_IRQ_are_reported_in_order()
    {
        var config = new RngDeviceConfig(new SeededEntropySource(1));
        var vm = VirtioDeviceHarness.For(config);
        var faults = FaultPlans.CrashEveryRequest(FaultPoint.BeforePublish, max: 1);
        var prepared = vm.Prepare(config, CreateTestProbe().Ref, faults);
        var recorder = new Recorder("rng0");
        prepared.State.Events = recorder;
        var device = await prepared.SpawnSupervisedAsync(Sys, TimeSpan.FromSeconds(10));
        device.Tell(vm.StartMessage());
        vm.Drivers[0].PostWritable(16);

        device.Tell(new Kick(0));

        await AwaitConditionAsync(() => Task.FromResult(recorder.Seen.Contains("rng0 irq q0")), TimeSpan.FromSeconds(10));
        Assert.Equal(["rng0 start q0 r0 w16", "rng0 restarted", "rng0 done q0 16", "rng0 irq q0"], recorder.Seen);
    }

    [Fact]
    public async Task The_launcher_asks_the_VM_s_factory_once_per_device_with_its_name_and_kind()
    {
        var asked = new ConcurrentQueue<(string Vm, string Device, DeviceKind Kind)>();
        var recorders = new ConcurrentDictionary<string, Recorder>();
        var guest = BootedGuest.Start(this, GuestImages.Read(), devices: [new RngDeviceConfig(OsEntropySource.Instance)],
            configure: c => c with
            {
                DeviceEvents = (vmName, device, kind) =>
                {
                    asked.Enqueue((vmName, device, kind));
                    return recorders.GetOrAdd(device, d => new Recorder(d));
                },
            });

        await guest.WaitForOutputAsync("lguest> ", Timeout);
        guest.Type("rng 4");
        await guest.WaitForOutputAsync("\r\nlguest> ", Timeout);
        guest.Type("poweroff");
        await guest.ExitedAsync(Timeout);

        Assert.Equal([("guest", "console", "console"), ("guest", "rng0", "rng")], asked.Select(a => (a.Vm, a.Device, a.Kind.Name)));
        Assert.Contains("rng0 done q0 4", recorders["rng0"].Seen);
        Assert.Contains(recorders["console"].Seen, e => e.StartsWith("console done q1", StringComparison.Ordinal)); // output went out
    }
}
