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
        backend.Start(b => received.Append(Encoding.UTF8.GetString(b.Span)), () => closed = true, ConsoleInputCredit.Unlimited());
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
        terminal.Start(b => { lock (received) { received.Append(Encoding.UTF8.GetString(b.Span)); } }, () => closed.SetResult(), ConsoleInputCredit.Unlimited());
        await closed.Task.WaitAsync(Timeout);
        lock (received)
        {
            Assert.Equal("echo hi\n", received.ToString());
        }
        terminal.Write("out"u8);
        Assert.Equal("out", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public void The_configured_key_pressed_the_configured_number_of_times_leaves_the_VM()
    {
        var clock = new SteppingClock();
        var detector = new EscapeDetector(CtrlA, count: 2, TimeSpan.FromMilliseconds(500), clock);

        Assert.False(detector.Feed([EscapeDetector.CtrlC, EscapeDetector.CtrlC, EscapeDetector.CtrlC]));
        Assert.False(detector.Feed([CtrlA]));
        clock.Advance(TimeSpan.FromMilliseconds(400));
        Assert.True(detector.Feed([(byte)'x', CtrlA]));
    }

    [Fact]
    public void Presses_further_apart_than_the_window_reach_the_guest()
    {
        var clock = new SteppingClock();
        var detector = new EscapeDetector(CtrlA, count: 2, TimeSpan.FromMilliseconds(500), clock);

        Assert.False(detector.Feed([CtrlA]));
        clock.Advance(TimeSpan.FromMilliseconds(600));
        Assert.False(detector.Feed([CtrlA]));
        clock.Advance(TimeSpan.FromMilliseconds(600));
        Assert.False(detector.Feed([CtrlA]));
    }

    [Fact]
    public void A_count_of_one_leaves_on_the_first_press()
    {
        var detector = new EscapeDetector(CtrlRightBracket, count: 1, TimeSpan.FromSeconds(1), new SteppingClock());

        Assert.False(detector.Feed("abc"u8));
        Assert.True(detector.Feed([(byte)'x', CtrlRightBracket]));
    }

    [Fact]
    public void Ctrl_right_bracket_is_no_hidden_escape_when_another_key_is_configured()
    {
        var detector = new EscapeDetector(EscapeDetector.CtrlC, EscapeDetector.DefaultCount, EscapeDetector.DefaultWindow, new SteppingClock());

        Assert.False(detector.Feed([CtrlRightBracket, CtrlRightBracket, CtrlRightBracket]));
    }

    [Fact]
    public void Three_Ctrl_C_within_a_second_leave_the_VM_but_slow_ones_reach_the_guest()
    {
        var clock = new SteppingClock();
        var detector = new EscapeDetector(EscapeDetector.CtrlC, EscapeDetector.DefaultCount, EscapeDetector.DefaultWindow, clock);
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

    [Fact]
    public async Task The_terminal_backend_raises_the_exit_request_and_keeps_the_completing_keys_from_the_guest()
    {
        var stdin = new ChunkedStream("ls\n"u8.ToArray(), [CtrlA], [CtrlA]);
        var detector = new EscapeDetector(CtrlA, count: 2, TimeSpan.FromSeconds(1), new SteppingClock());
        using var terminal = new TerminalConsoleBackend(new MemoryStream(), stdin, isTerminal: false, detector);
        int exits = 0;
        terminal.ExitRequested += (_, _) => Interlocked.Increment(ref exits);
        var received = new List<byte>();
        var closed = new TaskCompletionSource();

        terminal.Start(b => { lock (received) { received.AddRange(b.ToArray()); } }, () => closed.SetResult(), ConsoleInputCredit.Unlimited());
        await closed.Task.WaitAsync(Timeout);

        Assert.Equal(1, Volatile.Read(ref exits));
        lock (received)
        {
            // The first Ctrl-A was not yet an escape, so the guest had it; the second completed it.
            Assert.Equal([.. "ls\n"u8, CtrlA], received);
        }
    }

    [Fact]
    public async Task Without_a_detector_every_byte_reaches_the_guest()
    {
        byte[] keys = [EscapeDetector.CtrlC, EscapeDetector.CtrlC, EscapeDetector.CtrlC, CtrlRightBracket];
        using var terminal = new TerminalConsoleBackend(new MemoryStream(), new MemoryStream(keys), isTerminal: false);
        bool exited = false;
        terminal.ExitRequested += (_, _) => exited = true;
        var received = new List<byte>();
        var closed = new TaskCompletionSource();

        terminal.Start(b => { lock (received) { received.AddRange(b.ToArray()); } }, () => closed.SetResult(), ConsoleInputCredit.Unlimited());
        await closed.Task.WaitAsync(Timeout);

        Assert.False(exited);
        lock (received)
        {
            Assert.Equal(keys, received);
        }
    }

    private const byte CtrlA = 0x01;
    private const byte CtrlRightBracket = 0x1D;

    /// <summary>stdin as a terminal delivers it: one read per key press.</summary>
    private sealed class ChunkedStream(params byte[][] chunks) : Stream
    {
        private readonly Queue<byte[]> _chunks = new(chunks);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (!_chunks.TryDequeue(out byte[]? chunk))
            {
                return 0;
            }
            chunk.CopyTo(buffer, offset);
            return chunk.Length;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class SteppingClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }

    [Fact]
    public async Task The_terminal_backend_reads_no_more_stdin_than_the_credit_allows()
    {
        var stdin = new MemoryStream(Encoding.ASCII.GetBytes("abcdefgh"));
        var terminal = new TerminalConsoleBackend(new MemoryStream(), stdin, isTerminal: false);
        var credit = new ConsoleInputCredit(window: 3);
        var received = new List<byte>();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        terminal.Start(b => { lock (received) { received.AddRange(b.ToArray()); } }, () => closed.SetResult(), credit);

        await WaitUntilAsync(() => { lock (received) { return received.Count == 3; } });
        await Task.Delay(100);
        Assert.Equal(3, stdin.Position); // it stopped reading: the rest stays in the pipe
        lock (received)
        {
            Assert.Equal("abc", Encoding.ASCII.GetString(received.ToArray()));
        }

        credit.Return(3); // the guest took them
        await WaitUntilAsync(() => { lock (received) { return received.Count == 6; } });
        credit.Return(3);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        lock (received)
        {
            Assert.Equal("abcdefgh", Encoding.ASCII.GetString(received.ToArray()));
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(5);
        }
    }
}
