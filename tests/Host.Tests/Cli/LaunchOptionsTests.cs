using LguestActors.Host.Cli;

namespace LguestActors.Host.Tests.Cli;

public sealed class LaunchOptionsTests
{
    private static LaunchOptions Run(params string[] args) =>
        Assert.IsType<HostCommand.Run>(LaunchOptions.Parse(args)).Options;

    private static string Error(params string[] args) =>
        Assert.IsType<HostCommand.UsageError>(LaunchOptions.Parse(args)).Message;

    [Fact]
    public void Memory_alone_boots_the_sample_guest_with_an_empty_command_line()
    {
        LaunchOptions options = Run("64");

        Assert.Equal(64, options.MemoryMegabytes);
        Assert.Equal(64UL * 1024 * 1024, options.MemoryBytes);
        Assert.Null(options.KernelPath);
        Assert.Equal("", options.CommandLine);
    }

    [Fact]
    public void Memory_and_kernel_name_the_kernel_to_boot()
    {
        LaunchOptions options = Run("128", "vmlinux");

        Assert.Equal(128, options.MemoryMegabytes);
        Assert.Equal("vmlinux", options.KernelPath);
    }

    [Fact]
    public void Arguments_after_double_dash_are_joined_into_the_command_line()
    {
        LaunchOptions options = Run("64", "vmlinux", "--", "console=hvc0", "root=/dev/vda", "--help", "-x");

        Assert.Equal("console=hvc0 root=/dev/vda --help -x", options.CommandLine);
        Assert.Equal("vmlinux", options.KernelPath);
    }

    [Fact]
    public void Double_dash_with_no_kernel_gives_the_sample_guest_a_command_line()
    {
        LaunchOptions options = Run("64", "--", "quiet");

        Assert.Null(options.KernelPath);
        Assert.Equal("quiet", options.CommandLine);
    }

    [Fact]
    public void Options_may_come_before_the_memory_size()
    {
        Assert.IsType<HostCommand.ShowVersion>(LaunchOptions.Parse(["--version", "64"]));
        Assert.IsType<HostCommand.ShowHelp>(LaunchOptions.Parse(["64", "-h"]));
    }

    [Fact]
    public void Help_wins_over_an_otherwise_wrong_command_line()
    {
        Assert.IsType<HostCommand.ShowHelp>(LaunchOptions.Parse(["abc", "--frob", "--help"]));
    }

    [Theory]
    [InlineData(new string[0], "missing the guest memory size in MiB")]
    [InlineData(new[] { "abc" }, "memory size 'abc' is not a number of MiB")]
    [InlineData(new[] { "64M" }, "memory size '64M' is not a number of MiB")]
    [InlineData(new[] { "0x40" }, "memory size '0x40' is not a number of MiB")]
    [InlineData(new[] { "1.5" }, "memory size '1.5' is not a number of MiB")]
    [InlineData(new[] { "" }, "memory size '' is not a number of MiB")]
    [InlineData(new[] { "0" }, "memory size must be at least 1 MiB")]
    [InlineData(new[] { "1021" }, "memory size 1021 MiB is too big: the most is 1020 MiB (the 1 GiB kernel window)")]
    [InlineData(new[] { "4096" }, "memory size 4096 MiB is too big: the most is 1020 MiB (the 1 GiB kernel window)")]
    [InlineData(new[] { "99999999999999" }, "memory size '99999999999999' is too big: the most is 1020 MiB")]
    [InlineData(new[] { "-5" }, "unknown option '-5'")]
    [InlineData(new[] { "64", "--frob" }, "unknown option '--frob'")]
    [InlineData(new[] { "64", "-v" }, "unknown option '-v'")]
    [InlineData(new[] { "64", "--block", "disk.img" }, "option --block needs a file: --block=FILE or --block=FILE,ro")]
    [InlineData(new[] { "64", "--block=" }, "option --block needs a file: --block=FILE or --block=FILE,ro")]
    [InlineData(new[] { "64", "--vm=b:32", "--block=disk.img" }, "--block=disk.img: disks belong to the first VM; put --block before any --vm")]
    [InlineData(new[] { "64", "--initrd" }, "option --initrd needs a file: --initrd=FILE")]
    [InlineData(new[] { "64", "--initrd=" }, "option --initrd needs a file: --initrd=FILE")]
    [InlineData(new[] { "64", "--initrd=a.cpio", "--initrd=b.cpio" }, "--initrd=b.cpio: --initrd was already given (a.cpio); a VM has one initrd")]
    [InlineData(new[] { "64", "--vm=b:32", "--initrd=a.cpio" }, "--initrd=a.cpio: the initrd belongs to the first VM; put --initrd before any --vm")]
    [InlineData(new[] { "64", "--tunnet=x" }, "option --tunnet is not supported yet")]
    [InlineData(new[] { "--fleet=2", "64", "--initrd=a.cpio" }, "--fleet=2: copies of a VM do not take its --initrd; only the first VM has one")]
    [InlineData(new[] { "64", "--net=192.168.19.1" }, "--net=192.168.19.1: expected switch:NAME or tap:IFNAME")]
    [InlineData(new[] { "64", "--net=switch:" }, "--net=switch:: expected switch:NAME or tap:IFNAME")]
    [InlineData(new[] { "64", "--net=tap:a/b" }, "--net=tap:a/b: 'a/b' is not a network interface name (at most 15 characters, no '/', ' ' or ':')")]
    [InlineData(new[] { "64", "--mac=ff:ff:ff:ff:ff:ff" }, "--mac=ff:ff:ff:ff:ff:ff: expected a unicast MAC address like 52:54:00:12:34:56")]
    [InlineData(new[] { "64", "--mac=52:54:00:12:34" }, "--mac=52:54:00:12:34: expected a unicast MAC address like 52:54:00:12:34:56")]
    [InlineData(new[] { "64", "--vm=b" }, "--vm=b: expected NAME:MEM[:KERNEL] with a name of letters, digits, '-' and '_'")]
    [InlineData(new[] { "64", "--vm=b:0" }, "--vm=b:0: memory '0' is not a number of MiB from 1 to 1020")]
    [InlineData(new[] { "64", "--vm=guest:32" }, "--vm=guest: the first VM is named 'guest'; give the others other names")]
    [InlineData(new[] { "64", "--vm=b:32", "--vm=b:32" }, "--vm=b: two VMs with the same name")]
    [InlineData(new[] { "64", "vmlinux", "root=/dev/vda" }, "unexpected argument 'root=/dev/vda': kernel arguments go after --")]
    [InlineData(new[] { "64", "--fleet" }, "option --fleet needs a count: --fleet=N")]
    [InlineData(new[] { "64", "--fleet=" }, "option --fleet needs a count: --fleet=N")]
    [InlineData(new[] { "64", "--fleet=0" }, "--fleet=0: expected a number of VMs from 1 to 1000000")]
    [InlineData(new[] { "64", "--fleet=ten" }, "--fleet=ten: expected a number of VMs from 1 to 1000000")]
    [InlineData(new[] { "64", "--fleet=1000001" }, "--fleet=1000001: expected a number of VMs from 1 to 1000000")]
    [InlineData(new[] { "64", "--fleet=2", "--fleet=3" }, "--fleet=3: the first VM already has a --fleet")]
    [InlineData(new[] { "64", "--vm=b:8", "--fleet=2", "--fleet=3" }, "--fleet=3: VM b already has a --fleet")]
    [InlineData(new[] { "64", "--fleet=2", "--block=disk.img" }, "--fleet=2: copies of a VM cannot share its --block disks; give the fleet no disk")]
    [InlineData(new[] { "64", "--fleet=2", "--mac=52:54:00:12:34:56" }, "--fleet=2: copies of a VM cannot share one --mac; leave it out (each copy's MAC comes from its name)")]
    [InlineData(new[] { "64", "--vm=b:8", "--mac=52:54:00:12:34:56", "--fleet=2" }, "--fleet=2: copies of VM b cannot share one --mac; leave it out (each copy's MAC comes from its name)")]
    [InlineData(new[] { "64", "--fleet=3", "--vm=guest-2:8" }, "--vm=guest-2: two VMs with the same name")]
    [InlineData(new[] { "64", "--vm=b:8", "--fleet=2", "--vm=b-1:8" }, "--vm=b-1: two VMs with the same name")]
    public void Wrong_command_lines_are_one_clear_message(string[] args, string message)
    {
        Assert.Equal(message, Error(args));
    }

    [Fact]
    public void Net_and_mac_before_any_vm_group_belong_to_the_first_VM_and_after_it_to_that_VM()
    {
        var options = Run("--net=switch:lan", "--mac=52:54:00:12:34:56", "32", "--vm=b:16", "--net=switch:lan",
            "--cmdline=ip=10.0.0.2 run=serve", "--vm=c:8:other.elf", "--net=tap:tap0", "--", "ip=10.0.0.1");

        Assert.Equal(new NetAttachment(NetAttachmentKind.Switch, "lan"), options.Net);
        Assert.Equal("52:54:00:12:34:56", options.Mac.ToString());
        Assert.Equal("ip=10.0.0.1", options.CommandLine);
        Assert.Equal(
            [
                new ExtraVmOptions("b", 16, null, "ip=10.0.0.2 run=serve", new NetAttachment(NetAttachmentKind.Switch, "lan"), null),
                new ExtraVmOptions("c", 8, "other.elf", "", new NetAttachment(NetAttachmentKind.Tap, "tap0"), null),
            ],
            options.ExtraVms!);
    }

    [Fact]
    public void Without_net_options_nothing_changes_for_the_single_VM()
    {
        Assert.Equal(new LaunchOptions(64, null, ""), Run("64"));
    }

    [Fact]
    public void The_largest_memory_size_is_accepted()
    {
        Assert.Equal(1020, Run("1020").MemoryMegabytes);
        Assert.Equal(1, Run("1").MemoryMegabytes);
    }

    [Fact]
    public void A_kernel_command_line_longer_than_linux_allows_is_a_usage_error()
    {
        string line = new('x', 2048);

        Assert.Equal("the kernel command line is 2048 bytes; the limit is 2047", Error("64", "--", line));
        Assert.Equal(new string('x', 2047), Run("64", "--", new string('x', 2047)).CommandLine);
    }

    [Fact]
    public void Error_messages_are_single_lines()
    {
        foreach (string[] args in new[] { Array.Empty<string>(), ["x"], ["64", "--block"], ["64", "a", "b"] })
        {
            Assert.DoesNotContain('\n', Error(args));
        }
    }

    [Fact]
    public void Block_options_name_files_in_order_with_an_optional_ro()
    {
        var options = Run("64", "--block=a.img", "--block=/tmp/b,c.img,ro", "--", "x");

        Assert.Equal([new BlockOption("a.img", false), new BlockOption("/tmp/b,c.img", true)], options.BlockDevices);
        Assert.Equal("x", options.CommandLine);
    }

    [Fact]
    public void Initrd_names_the_first_VMs_initial_ram_disk()
    {
        Assert.Equal("guest/prebuilt/initramfs.cpio", Run("64", "vmlinux", "--initrd=guest/prebuilt/initramfs.cpio", "--", "console=hvc0").InitrdPath);
        Assert.Null(Run("64", "vmlinux").InitrdPath);
    }

    [Fact]
    public void Fleet_in_the_first_group_makes_guest_1_the_terminal_VM_and_the_other_copies_extra_VMs()
    {
        var options = Run("--net=switch:lan", "--fleet", "3", "16", "k.elf", "--", "ip=10.0.0.1");

        Assert.Equal("guest-1", options.FirstName);
        Assert.Equal(new NetAttachment(NetAttachmentKind.Switch, "lan"), options.Net);
        Assert.Equal(
            [
                new ExtraVmOptions("guest-2", 16, "k.elf", "ip=10.0.0.1", new NetAttachment(NetAttachmentKind.Switch, "lan"), null),
                new ExtraVmOptions("guest-3", 16, "k.elf", "ip=10.0.0.1", new NetAttachment(NetAttachmentKind.Switch, "lan"), null),
            ],
            options.ExtraVms!);
    }

    [Fact]
    public void Fleet_after_a_vm_group_copies_that_group_as_NAME_1_to_NAME_N()
    {
        var options = Run("64", "--vm=b:8", "--cmdline=run=serve", "--fleet=2", "--vm=c:4");

        Assert.Equal("guest", options.FirstName);
        Assert.Equal(["b-1", "b-2", "c"], options.ExtraVms!.Select(v => v.Name));
        Assert.All(options.ExtraVms!.Take(2), v => Assert.Equal(("run=serve", 8), (v.CommandLine, v.MemoryMegabytes)));
    }

    [Fact]
    public void Timings_is_a_flag_and_off_by_default()
    {
        Assert.True(Run("--timings", "64").Timings);
        Assert.False(Run("64").Timings);
    }
}
