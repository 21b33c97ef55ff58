using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Loader;
using LguestActors.Cpu.Memory;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

public sealed class GuestSupervisorTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const ulong Ram = 4 << 20;
    private const uint Entry = 0x100000;
    private const uint LguestData = 0x8000;

    private readonly InMemoryConsoleBackend _backend = new();
    private readonly TestProbe _exits;
    private readonly TaskCompletionSource<ScriptedCpu> _cpu = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GuestSupervisorTests()
    {
        _exits = CreateTestProbe("exits");
    }

    private VmConfig Config(string name = "test") =>
        new(name, Ram, new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, "console=hvc0", [new ConsoleConfig(_backend)]);

    /// <summary>A launcher whose kernel "loads" without an ELF and whose guest is a script.</summary>
    private IActorRef Boot(Action<ScriptedCpu>? script = null, VmConfig? config = null)
    {
        var options = new GuestSupervisorOptions(
            VcpuOptions.Default with
            {
                CpuFactory = memory =>
                {
                    var cpu = new ScriptedCpu(memory);
                    cpu.Hypercall(Hypercalls.LguestInit, LguestData).Sti();
                    script?.Invoke(cpu);
                    _cpu.TrySetResult(cpu);
                    return cpu;
                },
            },
            (_, _, _) => new Elf32Image(Entry, Entry, Entry + 0x1000));
        return Sys.ActorOf(GuestSupervisor.Props(config ?? Config(), _exits.Ref, options));
    }

    private static Task<VmInfo> InfoAsync(IActorRef vm) => vm.Ask<VmInfo>(GetVmInfo.Instance, Timeout);

    private static FakeVirtioDriver Driver(VmInfo info, int queue)
    {
        var q = info.DevicePage.Devices[0].Queues[queue];
        ulong scratch = 0x200000 + ((ulong)queue * 0x10000);
        return new FakeVirtioDriver(info.Memory, q.Num, q.RingAddress, scratch, scratch + 0x10000);
    }

    /// <summary>The guest's driver writes its status and notifies the descriptor's address.</summary>
    private static async Task WriteStatusAndNotifyAsync(IActorRef vm, VmInfo info, byte status)
    {
        var descriptor = info.DevicePage.Devices[0];
        info.Memory.WriteU8(descriptor.StatusAddress, status);
        vm.Tell(new GuestNotify((uint)descriptor.Address), ActorRefs.NoSender);
        await InfoAsync(vm); // the launcher has handled the notify (and told the vCPU) once this answers
    }

    [Fact]
    public async Task A_kernel_that_is_not_a_valid_image_fails_the_boot_and_starts_no_VM()
    {
        var config = Config("bad") with { Kernel = "this is not an ELF file"u8.ToArray() };
        var vm = Sys.ActorOf(GuestSupervisor.Props(config, _exits.Ref));
        Watch(vm);

        var exited = await _exits.ExpectMsgAsync<VmExited>(Timeout);
        Assert.Equal(("bad", GuestExitKind.BootFailed), (exited.Name, exited.Kind));
        Assert.False(string.IsNullOrWhiteSpace(exited.Reason));
        await ExpectTerminatedAsync(vm, Timeout);
    }

    [Fact]
    public async Task The_loaders_message_is_the_boot_failure_reason()
    {
        bool cpuBuilt = false;
        var options = GuestSupervisorOptions.Default with
        {
            LoadKernel = (_, _, _) => throw new GuestImageException("kernel image is not ELF (bad magic)"),
            Vcpu = VcpuOptions.Default with { CpuFactory = m => { cpuBuilt = true; return new ScriptedCpu(m); } },
        };
        var vm = Sys.ActorOf(GuestSupervisor.Props(Config(), _exits.Ref, options));
        Watch(vm);

        var exited = await _exits.ExpectMsgAsync<VmExited>(Timeout);
        Assert.Equal(new VmExited("test", GuestExitKind.BootFailed, "kernel image is not ELF (bad magic)"), exited);
        await ExpectTerminatedAsync(vm, Timeout);
        Assert.False(cpuBuilt);
    }

    [Fact]
    public async Task Boot_lays_out_RAM_the_device_page_its_rings_and_the_page_directory_and_starts_the_vCPU()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        var cpu = await _cpu.Task.WaitAsync(Timeout);

        Assert.Equal(Ram, info.DevicePage.Address);
        Assert.Equal(ConsoleDevice.VirtioId, info.Memory.ReadU8(Ram));
        uint expectedPages = (uint)(Ram / 4096) + info.DevicePage.TotalPages + 1;
        Assert.Equal(expectedPages, info.PfnLimit);
        Assert.Equal(info.Memory.PageCount, info.PfnLimit);
        Assert.Equal((expectedPages - 1) * 4096, info.Pgdir);
        Assert.Equal("console", info.Devices[0].Path.Name);
        Assert.Equal("vcpu", info.Vcpu.Path.Name);
        Assert.Equal("irq", info.Interrupts.Path.Name);
        Assert.Equal(Entry, cpu.Eip);
        Assert.Equal(info.Pgdir, cpu.Cr3);
        Assert.Equal("console=hvc0", System.Text.Encoding.ASCII.GetString(info.Memory.ReadOnlySpan(4096, 12)));
    }

    [Fact]
    public async Task A_status_notify_starts_the_device_and_later_kicks_go_from_the_vCPU_straight_to_it()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        var cpu = await _cpu.Task.WaitAsync(Timeout);
        await WriteStatusAndNotifyAsync(vm, info, VirtioStatus.Acknowledge | VirtioStatus.Driver);

        var tx = Driver(info, ConsoleDevice.TransmitQueue);
        tx.PostReadable("through the ring");
        cpu.Hypercall(Hypercalls.Notify, (uint)tx.Layout.Base);
        info.Interrupts.Tell(RaiseIrq.For(5)); // wake the halted scripted guest so it runs the NOTIFY

        await _backend.WaitForOutputAsync("through the ring", Timeout);
    }

    [Fact]
    public async Task A_kick_that_reaches_the_launcher_before_the_device_started_is_ignored_with_a_log_line()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        var ring = info.DevicePage.Devices[0].Queues[1].RingAddress;
        await EventFilter.Info(contains: "not being served; ignored").ExpectOneWhileAsync(
            () => vm.Tell(new GuestNotify((uint)ring)), Timeout);
    }

    [Fact]
    public async Task The_launcher_answers_every_NOTIFY_it_serves_so_the_vCPU_runs_on()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        info.Memory.Write(0x3000, "x\0"u8);
        var descriptor = info.DevicePage.Devices[0];
        var ring = info.DevicePage.Devices[0].Queues[1].RingAddress;
        foreach (ulong address in new ulong[] { descriptor.Address, ring, 0x3000 })
        {
            vm.Tell(new GuestNotify((uint)address), TestActor);
            await ExpectMsgAsync<NotifyServed>(Timeout);
        }
    }

    [Fact]
    public async Task A_notify_of_an_address_in_RAM_prints_early_console_text()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        info.Memory.Write(0x3000, "early printk\n\0garbage"u8);
        vm.Tell(new GuestNotify(0x3000));
        await _backend.WaitForOutputAsync("early printk\n", Timeout);
        Assert.DoesNotContain("garbage", _backend.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_console_early_console_text_goes_to_the_log()
    {
        var vm = Boot(config: Config() with { Devices = [] });
        var info = await InfoAsync(vm);
        Assert.Equal(0, info.Memory.ReadU8(info.DevicePage.Address)); // an empty table: just the terminator
        info.Memory.Write(0x3000, "no console yet\0"u8);
        await EventFilter.Info(contains: "early console: no console yet").ExpectOneWhileAsync(
            () => vm.Tell(new GuestNotify(0x3000)), Timeout);
    }

    [Fact]
    public async Task A_notify_beyond_RAM_and_the_device_pages_is_a_guest_error_that_stops_the_VM()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        Watch(vm);
        vm.Tell(new GuestNotify(info.PfnLimit * 4096u + 0x1000));

        var exited = await _exits.ExpectMsgAsync<VmExited>(Timeout);
        Assert.Equal(GuestExitKind.GuestFault, exited.Kind);
        Assert.Contains("neither RAM", exited.Reason, StringComparison.Ordinal);
        await ExpectTerminatedAsync(vm, Timeout);
    }

    [Fact]
    public async Task Status_0_resets_the_device_so_it_serves_nothing_until_started_again()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        await WriteStatusAndNotifyAsync(vm, info, VirtioStatus.Acknowledge | VirtioStatus.Driver);
        await WriteStatusAndNotifyAsync(vm, info, 0);

        await EventFilter.Info(contains: "kick of queue 1 before the device started").ExpectOneWhileAsync(
            () => info.Devices[0].Tell(Kick.For(1)), Timeout);
    }

    [Fact]
    public async Task A_guest_that_marks_its_device_FAILED_is_logged()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        await EventFilter.Warning(contains: "FAILED").ExpectOneAsync(Timeout, () =>
            WriteStatusAndNotifyAsync(vm, info, VirtioStatus.Acknowledge | VirtioStatus.Failed));
    }

    [Fact]
    public async Task Notifying_every_status_write_starts_the_device_once()
    {
        var vm = Boot();
        var info = await InfoAsync(vm);
        var tx = Driver(info, ConsoleDevice.TransmitQueue);
        tx.PostReadable("once");
        await WriteStatusAndNotifyAsync(vm, info, VirtioStatus.Acknowledge);
        await WriteStatusAndNotifyAsync(vm, info, VirtioStatus.Acknowledge | VirtioStatus.Driver);
        await WriteStatusAndNotifyAsync(vm, info, VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.DriverOk);
        await _backend.WaitForOutputAsync("once", Timeout);
        info.Devices[0].Tell(Kick.For(1));
        await InfoAsync(vm);
        Assert.Equal("once", _backend.Output);
    }

    [Fact]
    public async Task A_guest_shutdown_reaches_the_exit_listener_and_stops_the_VM()
    {
        var vm = Boot(cpu =>
        {
            cpu.Memory.Write(0x4000, "Power down\0"u8);
            cpu.Hypercall(Hypercalls.Shutdown, 0x4000, Hypercalls.ShutdownPowerOff);
        });
        Watch(vm);
        var exited = await _exits.ExpectMsgAsync<VmExited>(Timeout);
        Assert.Equal(new VmExited("test", GuestExitKind.PowerOff, "Power down"), exited);
        await ExpectTerminatedAsync(vm, Timeout);
    }

    [Fact]
    public async Task StopVm_stops_the_VM_and_tells_the_listener()
    {
        var vm = Boot();
        await InfoAsync(vm);
        Watch(vm);
        vm.Tell(new StopVm("user pressed Ctrl-]"));
        Assert.Equal(new VmExited("test", GuestExitKind.Stopped, "user pressed Ctrl-]"), await _exits.ExpectMsgAsync<VmExited>(Timeout));
        await ExpectTerminatedAsync(vm, Timeout);
    }

    [Fact]
    public async Task A_device_that_throws_is_restarted_and_finishes_the_chain_it_held()
    {
        var flaky = new FlakyBackend(_backend);
        var vm = Boot(config: Config() with { Devices = [new ConsoleConfig(flaky)] });
        var info = await InfoAsync(vm);
        await WriteStatusAndNotifyAsync(vm, info, VirtioStatus.Acknowledge | VirtioStatus.Driver);
        var tx = Driver(info, ConsoleDevice.TransmitQueue);
        tx.PostReadable("survives a crash");
        info.Devices[0].Tell(Kick.For(1));

        await _backend.WaitForOutputAsync("survives a crash", Timeout);
        await AwaitConditionAsync(() => Task.FromResult(tx.UsedIdx == 1), Timeout);
        Assert.Single(tx.TakeUsed());
        Assert.Equal("survives a crash", _backend.Output); // neither lost nor repeated
    }

    /// <summary>A backend whose first write throws, like a host terminal that went away for a moment.</summary>
    private sealed class FlakyBackend(InMemoryConsoleBackend inner) : IConsoleBackend
    {
        private int _writes;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (Interlocked.Increment(ref _writes) == 1)
            {
                throw new IOException("backend hiccup");
            }
            inner.Write(bytes);
        }

        public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit) => inner.Start(onInput, onClosed, credit);
    }
}

public sealed class VmLauncherTests : TestKit
{
    [Fact]
    public async Task A_launched_VM_reports_its_end_through_a_task()
    {
        var options = new GuestSupervisorOptions(
            VcpuOptions.Default with { CpuFactory = m => new ScriptedCpu(m) },
            (_, _, _) => new Elf32Image(0x100000, 0x100000, 0x101000));
        var config = new VmConfig("edge", 1 << 20, ReadOnlyMemory<byte>.Empty, "", [new ConsoleConfig(new InMemoryConsoleBackend())]);

        var vm = VmLauncher.Launch(Sys, config, options);
        Assert.Equal("vm-edge", vm.Launcher.Path.Name);
        vm.Stop("host is shutting down");

        var exited = await vm.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new VmExited("edge", GuestExitKind.Stopped, "host is shutting down"), exited);
    }
}
