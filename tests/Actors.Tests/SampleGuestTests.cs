using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Supervision;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

/// <summary>
/// End to end in-process: the sample kernel (guest/prebuilt/kernel.elf) boots on the interpreter
/// by the lguest protocol, finds its console in the device page and talks through it.
/// </summary>
public sealed class SampleGuestTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static VmConfig Config(string commandLine, IConsoleBackend console) =>
        new("sample", 32UL << 20, File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf")),
            commandLine, [new ConsoleConfig(console)]);

    [Theory]
    [InlineData(CpuEngine.Interpreter)]
    [InlineData(CpuEngine.Compiled)]
    public async Task The_sample_kernel_passes_its_selftest_and_powers_off(CpuEngine engine)
    {
        var console = new InMemoryConsoleBackend();
        var exits = CreateTestProbe();
        InterpreterCpu? cpu = null;
        var options = GuestSupervisorOptions.Default with
        {
            // a low threshold, so the self-tests surely run compiled code
            Vcpu = VcpuOptions.Default with { CpuFactory = memory => cpu = new InterpreterCpu(memory, engine, new CompilerOptions { Threshold = 400 }) },
        };
        Sys.ActorOf(GuestSupervisor.Props(Config("run=selftest", console), exits.Ref, options));

        var exited = await exits.ExpectMsgAsync<VmExited>(Timeout);

        Assert.True(exited.Kind == GuestExitKind.PowerOff && exited.Reason.StartsWith("selftest: PASS", StringComparison.Ordinal),
            $"{exited}{Environment.NewLine}console:{Environment.NewLine}{console.Output}");
        Assert.Contains(exited.Reason, console.Output, StringComparison.Ordinal);
        Assert.Equal(engine, cpu!.Engine);
        Assert.Equal(engine == CpuEngine.Compiled, cpu.CompiledStats.Regions > 0);
        Assert.Equal(0, cpu.CompiledStats.Failures);
    }

    [Fact]
    public async Task Typing_echo_hello_prints_hello_and_poweroff_ends_the_VM()
    {
        var console = new InMemoryConsoleBackend();
        var exits = CreateTestProbe();
        Sys.ActorOf(GuestSupervisor.Props(Config("", console), exits.Ref));

        await console.WaitForOutputAsync("lguest> ", Timeout);
        console.Type("echo hello\r");
        await console.WaitForOutputAsync("\r\nhello\r\n", Timeout);
        console.Type("poweroff\r");

        var exited = await exits.ExpectMsgAsync<VmExited>(Timeout);
        Assert.Equal(GuestExitKind.PowerOff, exited.Kind);
        Assert.EndsWith("Power down.\r\n", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_devices_command_shows_the_device_table_the_launcher_wrote()
    {
        var console = new InMemoryConsoleBackend();
        var exits = CreateTestProbe();
        var vm = Sys.ActorOf(GuestSupervisor.Props(Config("", console), exits.Ref));

        await console.WaitForOutputAsync("lguest> ", Timeout);
        console.Type("devices\r");
        await console.WaitForOutputAsync("vq1:", Timeout);
        var info = await vm.Ask<VmInfo>(GetVmInfo.Instance, Timeout);
        var queues = info.DevicePage.Devices[0].Queues;
        foreach (var (queue, index) in queues.Select((q, i) => (q, i)))
        {
            Assert.Contains($"vq{index}: num {queue.Num} irq {queue.Irq} pfn 0x{queue.Pfn:x}", console.Output, StringComparison.Ordinal);
        }
        Assert.Contains("console type 3 status 0x07", console.Output, StringComparison.Ordinal);
        console.Type("poweroff\r");
        await exits.ExpectMsgAsync<VmExited>(Timeout);
    }

    [Fact]
    public async Task An_idle_sample_kernel_at_its_prompt_runs_no_guest_code_until_a_key_comes()
    {
        var console = new InMemoryConsoleBackend();
        var exits = CreateTestProbe();
        // The device watchdog re-raises a queue's IRQ once after completions (its own rule, not the
        // guest's timer): off here, so what is left to see is the guest's clock event alone.
        var config = Config("", console) with { Supervision = DeviceSupervision.Default with { WatchdogInterval = TimeSpan.Zero } };
        var vm = Sys.ActorOf(GuestSupervisor.Props(config, exits.Ref));
        await console.WaitForOutputAsync("lguest> ", Timeout);
        var info = await vm.Ask<VmInfo>(GetVmInfo.Instance, Timeout);
        await Task.Delay(200); // the prompt's own transmit interrupt is served

        var before = await info.Vcpu.Ask<VcpuStatus>(GetVcpuStatus.Instance, Timeout);
        await Task.Delay(500); // a kernel with a 10 ms tick would run ~50 slices here
        var after = await info.Vcpu.Ask<VcpuStatus>(GetVcpuStatus.Instance, Timeout);

        Assert.True(before.Halted && after.Halted, $"{before} {after}");
        Assert.Equal(before.Slices, after.Slices);
        console.Type("uptime\r");
        await console.WaitForOutputAsync("clock events); host clock", Timeout);
        console.Type("poweroff\r");
        await exits.ExpectMsgAsync<VmExited>(Timeout);
    }
}
