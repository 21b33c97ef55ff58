using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Akka.Actor;
using LguestActors.Actors.Devices.Net;
using LguestActors.Host.Tests.Hosting;
using LguestActors.Testing;
using Xunit.Abstractions;

namespace LguestActors.Host.Tests.Simulation;

/// <summary>
/// <c>--net=tap:IFNAME</c> on the simulation engine: frames from the host are inputs, recorded
/// with the step boundary they entered at, and a replay feeds them from the recording without
/// opening any interface. One test uses an in-memory interface behind the host's TAP seam
/// (<see cref="HostHarness.TapOpener"/>), one a real TAP in a network namespace of its own.
/// </summary>
public sealed partial class SimulatedTapTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private static readonly byte[] HostMac = [0x0a, 0x00, 0x00, 0x00, 0x00, 0x01];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-sim-tap-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Frames_from_a_host_interface_are_recorded_and_a_replay_without_it_gives_the_same_transcript_and_digest()
    {
        string recording = Path.Combine(_dir.FullName, "tap.rec");
        var wire = new FakeInterface();
        using var host = Harness();
        host.TapOpener = name => name == "tapsim0" ? wire : throw new NetBackendException($"--net=tap:{name}: not this test's interface");
        var run = Task.Run(() => host.RunAsync(Program.LauncherProps, "--record", recording, "--net=tap:tapsim0", "32", "--", "ip=10.7.0.2", "run=serve"));
        Assert.True(wire.Started.Wait(Patience), host.Error.ToString());

        // ARP until the guest is up and answers, then one ping: every frame is an input of the session.
        byte[] arpReply = wire.Exchange(Frames.ArpRequest(HostMac, Frames.Ip(10, 7, 0, 1), Frames.Ip(10, 7, 0, 2)),
            f => Frames.Type(f) == 0x0806 && f[21] == 2, run);
        byte[] guestMac = arpReply[6..12];
        byte[] echo = wire.Exchange(Frames.EchoRequest(guestMac, HostMac, Frames.Ip(10, 7, 0, 1), Frames.Ip(10, 7, 0, 2), 0x4c47, 1),
            f => Frames.Type(f) == 0x0800 && f[23] == 1 && f[34] == 0 && f[38] == 0x4c && f[39] == 0x47, run, once: true);
        host.Signals.Raise(StopSignal.Terminate);
        int code = await run.WaitAsync(Patience);

        string recorded = host.Error.ToString();
        Assert.True(code == 143, recorded);
        Assert.Equal(HostMac, echo[..6]);
        string text = File.ReadAllText(recording);
        int frames = FrameLine().Matches(text).Count;
        Assert.True(frames >= 2, text);
        Assert.Contains($"recorded {frames + 1} input(s)", recorded, StringComparison.Ordinal); // the frames and the stop

        int opened = 0;
        using var replayHost = Harness();
        replayHost.TapOpener = name => { opened++; throw new NetBackendException($"--net=tap:{name}: a replay opened an interface"); };
        int replayCode = await Task.Run(() => replayHost.RunAsync(Program.LauncherProps, "--replay", recording)).WaitAsync(Patience);

        string replayed = replayHost.Error.ToString();
        Assert.True(replayCode == 143, replayed);
        Assert.Equal(0, opened);
        Assert.Equal(host.ConsoleOutput, replayHost.ConsoleOutput);
        Assert.Equal(Digest(recorded), Digest(replayed));
        Assert.Contains($"replay: digest {Digest(recorded)} matches the recording", replayed, StringComparison.Ordinal);

        // The frames are what made it: without them (and without the digest to check) the run is another one.
        File.WriteAllText(recording, string.Join('\n', text.Split('\n').Where(l => !FrameLine().IsMatch(l) && !l.StartsWith("end ", StringComparison.Ordinal))));
        using var withoutFrames = Harness();
        Assert.Equal(143, await Task.Run(() => withoutFrames.RunAsync(Program.LauncherProps, "--replay", recording)).WaitAsync(Patience));
        Assert.NotEqual(Digest(recorded), Digest(withoutFrames.Error.ToString()));
    }

    [TapFact]
    public async Task A_session_on_a_real_TAP_interface_answers_pings_and_replays_without_the_interface()
    {
        string ns = $"lgsim{Environment.ProcessId}";
        string ifname = $"lgs{Environment.ProcessId % 100000}";
        string recording = Path.Combine(_dir.FullName, "real-tap.rec");
        using var host = Harness();
        var run = Task.Run(() => host.RunAsync(Program.LauncherProps, "--record", recording, $"--net=tap:{ifname}", "32", "--", "ip=10.9.7.2", "run=serve"));
        try
        {
            // The host opens the interface before the world starts.
            Assert.True(SpinWait.SpinUntil(() => run.IsCompleted || HostNetwork.Run("ip", $"link show {ifname}").Code == 0, Patience), "no interface");
            Assert.False(run.IsCompleted, host.Error.ToString());
            Assert.Equal(0, HostNetwork.Run("ip", $"netns add {ns}").Code);
            Assert.Equal(0, HostNetwork.Run("ip", $"link set {ifname} netns {ns}").Code);
            Assert.Equal(0, HostNetwork.Run("ip", $"netns exec {ns} ip addr add 10.9.7.1/24 dev {ifname}").Code);
            Assert.Equal(0, HostNetwork.Run("ip", $"netns exec {ns} ip link set {ifname} up").Code);

            // The guest boots paced to the wall clock: one ping until it answers, then three that must all come back.
            var deadline = DateTime.UtcNow + Patience;
            while (HostNetwork.Ping(ns, "10.9.7.2", 1).Code != 0)
            {
                Assert.True(DateTime.UtcNow < deadline && !run.IsCompleted, $"the guest never answered{Environment.NewLine}{host.Error}");
            }
            var ping = HostNetwork.Ping(ns, "10.9.7.2", 3);
            output.WriteLine(ping.Output);
            Assert.Contains("3 transmitted, 3 received", ping.Output, StringComparison.Ordinal);
        }
        finally
        {
            host.Signals.Raise(StopSignal.Terminate);
            await run.WaitAsync(Patience);
            HostNetwork.Run("ip", $"netns del {ns}");
        }
        string recorded = host.Error.ToString();
        Assert.True(run.Result == 143, recorded);
        Assert.True(FrameLine().Matches(File.ReadAllText(recording)).Count >= 5, "an ARP request and four echo requests at least");

        using var replayHost = Harness();
        replayHost.TapOpener = name => throw new NetBackendException($"--net=tap:{name}: a replay opened an interface");
        int replayCode = await Task.Run(() => replayHost.RunAsync(Program.LauncherProps, "--replay", recording)).WaitAsync(Patience);

        string replayed = replayHost.Error.ToString();
        output.WriteLine(recorded + replayed);
        Assert.True(replayCode == 143, replayed);
        Assert.Equal(host.ConsoleOutput, replayHost.ConsoleOutput);
        Assert.Contains($"replay: digest {Digest(recorded)} matches the recording", replayed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("input 10 1000 frame tap0 0a0b", "{0}:5: 'input 10 1000 frame tap0 0a0b' is not a recording line (a frame of 2 bytes: an Ethernet frame has at least 14)")]
    [InlineData("input 10 1000 frame tap0", "{0}:5: 'input 10 1000 frame tap0' is not a recording line (expected frame DEVICE HEX (the interface name, then the frame in hex))")]
    [InlineData("input 10 1000 frame tap0 zz", "{0}:5: 'input 10 1000 frame tap0 zz' is not a recording line (the frame is not hex (two digits a byte))")]
    [InlineData("input 10 1000 frame tap7 ffffffffffff0a00000000010806000000000000", "{0}:5: a frame for 'tap7', which the recorded command line does not attach (expected tap0)")]
    public async Task A_bad_frame_line_in_a_recording_is_one_line_naming_the_file_and_line(string line, string expected)
    {
        string path = Path.Combine(_dir.FullName, "bad.rec");
        File.WriteAllText(path, $"lguest-actors recording 1\nseed 1\narg \"--net=tap:tap0\"\narg \"32\"\n{line}\n");
        using var host = Harness();
        host.TapOpener = name => throw new NetBackendException($"--net=tap:{name}: a replay opened an interface");

        int code = await Task.Run(() => host.RunAsync(Program.LauncherProps, "--replay", path)).WaitAsync(Patience);

        Assert.Equal(1, code);
        Assert.Equal($"lguest-actors: {string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, path)}", host.Error.ToString().Trim());
    }

    [Fact]
    public async Task A_TAP_interface_that_cannot_be_opened_while_recording_is_one_line()
    {
        using var host = Harness();
        host.TapOpener = name => throw new NetBackendException($"--net=tap:{name}: TUNSETIFF failed: operation not permitted (EPERM)");

        int code = await Task.Run(() => host.RunAsync(Program.LauncherProps, "--record", Path.Combine(_dir.FullName, "x.rec"), "--net=tap:tap3", "32")).WaitAsync(Patience);

        Assert.Equal(1, code);
        Assert.Equal("lguest-actors: --net=tap:tap3: TUNSETIFF failed: operation not permitted (EPERM)", host.Error.ToString().Trim());
    }

    private static HostHarness Harness() => new() { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };

    private static string Digest(string stderr) => DigestLine().Match(stderr).Groups[1].Value;

    [GeneratedRegex("digest ([0-9a-f]{16})")]
    private static partial Regex DigestLine();

    [GeneratedRegex(@"^input \d+ \d+ frame \S+ [0-9a-f]+$", RegexOptions.Multiline)]
    private static partial Regex FrameLine();

    /// <summary>
    /// A host interface in memory, as <see cref="TapNetBackend"/> behaves: what the test puts on the
    /// wire goes to the device through its inbox from the test's thread; what the guest sends is kept.
    /// </summary>
    private sealed class FakeInterface : INetBackend
    {
        private readonly BlockingCollection<byte[]> _sent = [];
        private IActorRef? _device;
        private NetInbox? _inbox;

        public ManualResetEventSlim Started { get; } = new();

        public void Start(IActorRef device, MacAddress mac, NetInbox inbox)
        {
            _device = device;
            _inbox = inbox;
            Started.Set();
        }

        public void Send(IActorRef device, byte[] frame) => _sent.Add(frame);

        public void Stop(IActorRef device)
        {
        }

        /// <summary>Puts <paramref name="frame"/> on the wire (again every 200 ms unless <paramref name="once"/>) until the guest sends one that <paramref name="answers"/>.</summary>
        public byte[] Exchange(byte[] frame, Func<byte[], bool> answers, Task<int> run, bool once = false)
        {
            var deadline = DateTime.UtcNow + Patience;
            _inbox!.TryDeliver(_device!, frame);
            while (DateTime.UtcNow < deadline && !run.IsCompleted)
            {
                if (_sent.TryTake(out var sent, TimeSpan.FromMilliseconds(200)))
                {
                    if (answers(sent))
                    {
                        return sent;
                    }
                }
                else if (!once)
                {
                    _inbox.TryDeliver(_device!, frame);
                }
            }
            throw new InvalidOperationException(run.IsCompleted ? $"the run ended (exit {run.Result}) before the guest answered" : "the guest never answered");
        }
    }
}
