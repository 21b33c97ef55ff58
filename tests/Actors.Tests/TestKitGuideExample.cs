// The example scenario of tests/TestSupport/README.md, verbatim (TestKitGuideTests checks it is).
using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

public sealed class EntropyDeviceScenario : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_device_crashed_after_filling_a_buffer_publishes_it_once_with_the_same_bytes()
    {
        // The device under test, laid out and made exactly as the launcher would.
        var config = new RngDeviceConfig(new SeededEntropySource(seed: 9));
        var vm = VirtioDeviceHarness.For(config);
        var irq = CreateTestProbe();
        var faults = FaultPlans.CrashEveryRequest(FaultPoint.AfterSideEffect, max: 1);
        var device = await vm.Prepare(config, irq.Ref, faults).SpawnSupervisedAsync(Sys, Timeout);

        // The guest's half: start the device, post one 16-byte buffer, kick.
        device.Tell(vm.StartMessage());
        var driver = vm.Drivers[0];
        driver.PostWritable(16);
        device.Tell(new Kick(0));

        // The crash happened, the restarted device finished the request, once.
        await AwaitConditionAsync(() => Task.FromResult(driver.UsedIdx == 1), Timeout);
        Assert.Equal(1L, faults.Counters.Crashes);
        var used = Assert.Single(driver.TakeUsed());
        var expected = new byte[16];
        new SeededEntropySource(seed: 9).Fill(expected);
        Assert.Equal(expected, driver.ReadWritten(used));
    }
}
