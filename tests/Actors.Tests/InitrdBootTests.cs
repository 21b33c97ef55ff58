using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu.Loader;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

// The launcher's "initrd" boot phase (lguest's --initrd): between loading the kernel and
// writing the zero page.
public sealed class InitrdBootTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const ulong Ram = 8 << 20;
    private const uint KernelEnd = 0x300000;

    private static GuestSupervisorOptions Options() => new(
        VcpuOptions.Default with { CpuFactory = memory => new ScriptedCpu(memory) },
        (_, _, _) => new Elf32Image(0x100000, 0x100000, KernelEnd));

    private static VmConfig Config(byte[] initrd) =>
        new("rd", Ram, new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, "console=hvc0", [new ConsoleConfig(new InMemoryConsoleBackend())])
        {
            Initrd = initrd,
        };

    [Fact]
    public async Task The_initrd_is_placed_below_the_device_page_and_described_in_the_zero_page()
    {
        byte[] image = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 251)).ToArray();
        var vm = Sys.ActorOf(GuestSupervisor.Props(Config(image), CreateTestProbe().Ref, Options()));

        var info = await vm.Ask<VmInfo>(GetVmInfo.Instance, Timeout);

        uint address = (uint)Ram - 3 * 4096;
        Assert.Equal(Ram, info.DevicePage.Address);                   // the device page is right above it
        Assert.Equal(image, info.Memory.ReadOnlySpan(address, image.Length).ToArray());
        Assert.Equal(address, info.Memory.ReadU32(0x218));           // ramdisk_image
        Assert.Equal(3U * 4096, info.Memory.ReadU32(0x21C));          // ramdisk_size, in whole pages
        Assert.Equal(0xFF, info.Memory.ReadU8(0x210));               // type_of_loader
    }

    [Fact]
    public async Task An_initrd_too_big_for_ram_above_the_kernel_fails_the_boot_with_one_line()
    {
        var exits = CreateTestProbe();
        var vm = Sys.ActorOf(GuestSupervisor.Props(Config(new byte[6 << 20]), exits.Ref, Options()));
        Watch(vm);

        var exited = await exits.ExpectMsgAsync<VmExited>(Timeout);

        Assert.Equal(GuestExitKind.BootFailed, exited.Kind);
        Assert.Equal(
            "the initrd (6291456 bytes, 6144 KiB in whole pages) does not fit at the top of 8 MiB of RAM above the kernel " +
            "(which ends at 0x300000; 5120 KiB free): give the guest more memory",
            exited.Reason);
        await ExpectTerminatedAsync(vm, Timeout);
    }
}
