using System.Reflection;

namespace LguestActors.Host.Cli;

/// <summary>The --help and --version text (docs/HOST.md repeats the usage).</summary>
internal static class Usage
{
    public const string ProgramName = "lguest-actors";

    public static string Text { get; } =
        $"""
        Usage: {ProgramName} [options] <mem-MB> [kernel.elf] [-- kernel arguments...]

        Boots a 32-bit x86 lguest guest with <mem-MB> MiB of RAM ({LaunchOptions.MinMemoryMegabytes}-{LaunchOptions.MaxMemoryMegabytes}) on an
        interpreting vCPU. With no kernel, boots the bundled sample guest
        (guest/prebuilt/kernel.elf). Everything after -- is the kernel command line,
        joined by spaces (at most 2047 bytes).

        Options:
          -h, --help     show this help and exit
              --version  show the version and exit
              --initrd=FILE
                         an initial RAM disk (an initramfs cpio, compressed or not)
                         at the top of guest RAM, for the kernel to unpack (lguest's
                         --initrd); see docs/LINUX.md
              --block=FILE[,ro]
                         a virtio block device (blk0, blk1... in order) on FILE,
                         whose size must be a multiple of 512 bytes; ,ro makes it
                         read-only. Locked: one writer, or any number of ,ro readers
              --net=switch:NAME
                         give the VM a virtio net device on the learning switch NAME
                         (the actor /user/lan-NAME; VMs naming the same switch share it)
              --net=tap:IFNAME
                         give the VM a virtio net device on the host TAP interface IFNAME
                         (Linux, needs CAP_NET_ADMIN; the host addresses and brings it up)
              --mac=52:54:00:12:34:56
                         the net device's MAC (default: 52:54:00 + a hash of the VM name)
              --cmdline=TEXT
                         kernel command line (for the first VM, same as after --)
              --engine=compiled|interpreter
                         how every vCPU runs guest code: hot code compiled to .NET IL
                         (the default) or all of it interpreted; overrides
                         lguest.vcpu.engine in config/akka.hocon
              --vm=NAME:MEM[:KERNEL]
                         boot another VM in the same process; the --net, --mac and
                         --cmdline after it are its own (disks only on the first VM).
                         Its console output goes to stderr, each line prefixed
                         [NAME]; it takes no input. The host exits when the first
                         VM (named guest) ends.
              --fleet=N  N identical copies of the VM before it (the first VM, or the
                         last --vm), named NAME-1..NAME-N: the first VM's copies are
                         guest-1 (the terminal's) and guest-2..N (on stderr, prefixed).
                         Every copy's end is one line on stderr.
              --timings  at exit, print on stderr where the start-up time went: the
                         runtime, the host, the actor system, each boot phase, and
                         the guest's first console byte (ms from the process start)
              --simulate[=SEED]
                         run on the deterministic simulation engine (one thread,
                         virtual time, schedule from SEED, default 1): the same
                         command and seed give the same run and digest, always
              --input FILE
                         with --simulate: console input from a script of lines
                         at virtual times (@2s, @+500ms; docs/DETERMINISM.md)
              --time-limit=DURATION
                         with --simulate: stop after this much virtual time
                         (default 3600s)
              --record FILE
                         run on the simulation engine paced to the wall clock,
                         the terminal (and --net=tap: frames) as input, and record
                         the session in FILE
              --replay FILE
                         rerun a recorded session (unpaced): the same transcript
                         and digest

        The guest's console is this terminal: every key goes to the guest. Press
        Ctrl-C three times within a second to stop the VM (config/akka.hocon,
        lguest.console). SIGINT, SIGTERM and SIGHUP stop it gracefully too.

        Exit status:
          0    the guest powered off
          1    the guest panicked, faulted or failed to boot, or a file could not be used
          2    the command line is wrong
          3    the guest asked to restart (run the host again to restart it)
          130  stopped by SIGINT or the console escape; 143 SIGTERM; 129 SIGHUP

        Examples:
          {ProgramName} 64                                    boot the sample guest
          {ProgramName} 32 --block=disk.img -- run=blktest seed=7 start=0 count=64 mode=write
                                                    the sample guest writes a pattern to a disk
          {ProgramName} 128 vmlinux --block=disk.img -- console=hvc0 root=/dev/vda
          {ProgramName} 64 vmlinux --initrd=guest/prebuilt/initramfs.cpio -- console=hvc0
          {ProgramName} --net=switch:lan 32 --vm=b:32 --net=switch:lan \
              --cmdline="ip=10.0.0.2 run=serve" -- ip=10.0.0.1
                                                    two guests on one switch; type
                                                    'ping 10.0.0.2' in the first

        """;

    public static string VersionLine
    {
        get
        {
            Assembly assembly = typeof(Usage).Assembly;
            string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString()
                ?? "unknown";
            return $"{ProgramName} {version}";
        }
    }
}
