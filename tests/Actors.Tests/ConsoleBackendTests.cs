using System.Text;
using LguestActors.Actors.Devices.Console;

namespace LguestActors.Actors.Tests;

public sealed class ConsoleBackendTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_in_memory_backend_lets_a_test_await_output_text()
    {
        var backend = new InMemoryConsoleBackend();
        var waiting = backend.WaitForOutputAsync("login:", Timeout);
        backend.Write("Welcome\nlog"u8);
        Assert.False(waiting.IsCompleted);
        backend.Write("in: "u8);
        await waiting;
        Assert.Equal("Welcome\nlogin: ", backend.Output);
    }

    [Fact]
    public async Task Waiting_for_output_that_never_comes_says_what_did()
    {
        var backend = new InMemoryConsoleBackend();
        backend.Write("panic"u8);
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => backend.WaitForOutputAsync("login:", TimeSpan.FromMilliseconds(50)));
        Assert.Contains("panic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_typed_before_the_device_starts_the_backend_is_delivered_when_it_does()
    {
        var backend = new InMemoryConsoleBackend();
        backend.Type("early");
        var received = new StringBuilder();
        bool closed = false;
        backend.Start(b => received.Append(Encoding.UTF8.GetString(b.Span)), () => closed = true);
        backend.Type(" late");
        backend.CloseInput();
        Assert.Equal("early late", received.ToString());
        Assert.True(closed);
    }

    [Fact]
    public async Task The_terminal_backend_reads_piped_stdin_and_writes_stdout()
    {
        var stdout = new MemoryStream();
        var stdin = new MemoryStream("echo hi\n"u8.ToArray());
        using var terminal = new TerminalConsoleBackend(stdout, stdin, isTerminal: false);
        var received = new StringBuilder();
        var closed = new TaskCompletionSource();
        terminal.Start(b => { lock (received) { received.Append(Encoding.UTF8.GetString(b.Span)); } }, () => closed.SetResult());
        await closed.Task.WaitAsync(Timeout);
        lock (received)
        {
            Assert.Equal("echo hi\n", received.ToString());
        }
        terminal.Write("out"u8);
        Assert.Equal("out", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public void Ctrl_right_bracket_leaves_the_VM()
    {
        var detector = new EscapeDetector(new SteppingClock());
        Assert.False(detector.Feed("abc"u8));
        Assert.True(detector.Feed(new byte[] { (byte)'x', EscapeDetector.CtrlRightBracket }));
    }

    [Fact]
    public void Three_Ctrl_C_within_a_second_leave_the_VM_but_slow_ones_reach_the_guest()
    {
        var clock = new SteppingClock();
        var detector = new EscapeDetector(clock);
        byte[] ctrlC = [EscapeDetector.CtrlC];

        Assert.False(detector.Feed(ctrlC));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(detector.Feed(ctrlC));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(detector.Feed(ctrlC)); // three, but never three within a second

        clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.False(detector.Feed(ctrlC));
        clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True(detector.Feed(ctrlC));
    }

    private sealed class SteppingClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
