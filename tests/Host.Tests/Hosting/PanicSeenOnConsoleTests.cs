using System.Text;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host.Tests.Hosting;

// Linux powers off and panics with the same SHUTDOWN; the line panic() printed on the console
// tells them apart (docs/LINUX.md, docs/HOST.md exit codes).
public sealed class PanicSeenOnConsoleTests
{
    private const string Message = "VFS: Unable to mount root fs on unknown-block(0,0)";

    private static VmExited PowerOff(string reason) => new("guest", GuestExitKind.PowerOff, reason);

    private static void Write(IConsoleBackend console, string text) => console.Write(Encoding.ASCII.GetBytes(text));

    [Fact]
    public void A_power_off_whose_reason_the_console_just_showed_as_a_panic_is_a_panic_exit_1_with_the_whole_line()
    {
        var inner = new RecordingConsole();
        var console = new PanicSeenOnConsole(inner);
        Write(console, "[    0.950000] List of all partitions:\n");
        Write(console, "Kernel panic - not syncing: VFS: Unable to mount ");
        Write(console, "root fs on unknown-block(0,0)\n[    0.960000] Pid: 1, comm: swapper\n");

        VmExited seen = console.Classify(PowerOff(Message));

        Assert.Equal(GuestExitKind.Panic, seen.Kind);
        Assert.Equal("Kernel panic - not syncing: " + Message, seen.Reason);
        Assert.Equal((1, "the guest panicked: Kernel panic - not syncing: " + Message), ExitCodes.For(seen));
        Assert.Contains("Kernel panic - not syncing: VFS", inner.Text, StringComparison.Ordinal); // everything still reaches the terminal
    }

    [Theory]
    [InlineData("Power down")] // Linux's lguest_power_off
    [InlineData("some other reason")]
    public void A_power_off_the_console_did_not_show_as_a_panic_stays_a_power_off(string reason)
    {
        var console = new PanicSeenOnConsole(new RecordingConsole());
        Write(console, "Kernel panic - not syncing: " + Message + "\n"); // a panic line, but not this reason's

        VmExited seen = console.Classify(PowerOff(reason));

        Assert.Equal(GuestExitKind.PowerOff, seen.Kind);
        Assert.Equal(reason, seen.Reason);
    }

    [Fact]
    public void Ordinary_output_that_mentions_the_reason_is_not_a_panic()
    {
        var console = new PanicSeenOnConsole(new RecordingConsole());
        Write(console, "mount: " + Message + "\nKernel panic - not syncing is what it would say\n");

        Assert.Equal(GuestExitKind.PowerOff, console.Classify(PowerOff(Message)).Kind);
    }

    [Fact]
    public void A_panic_line_whose_end_of_line_has_not_come_yet_counts_and_a_false_start_of_the_prefix_does_not_hide_it()
    {
        var console = new PanicSeenOnConsole(new RecordingConsole());
        Write(console, "KKernel panKernel panic - not syncing: " + Message); // no newline before the SHUTDOWN

        Assert.Equal(GuestExitKind.Panic, console.Classify(PowerOff(Message)).Kind);
    }

    [Fact]
    public void A_restart_is_never_read_as_a_panic()
    {
        var console = new PanicSeenOnConsole(new RecordingConsole());
        Write(console, "Kernel panic - not syncing: reboot\n");

        Assert.Equal(GuestExitKind.Restart, console.Classify(new VmExited("guest", GuestExitKind.Restart, "reboot")).Kind);
    }

    private sealed class RecordingConsole : IConsoleBackend
    {
        private readonly StringBuilder _text = new();

        public string Text => _text.ToString();

        public void Write(ReadOnlySpan<byte> bytes) => _text.Append(Encoding.ASCII.GetString(bytes));

        public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
        {
        }
    }
}
