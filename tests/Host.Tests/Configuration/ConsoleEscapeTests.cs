using Akka.Configuration;
using LguestActors.Actors.Devices.Console;
using LguestActors.Host.Configuration;

namespace LguestActors.Host.Tests.Configuration;

// lguest.console.escape-* travel from config/akka.hocon through LguestSettings to the detector the
// host's console uses (Program.EscapeDetectorFor): a configured value must change what leaves the VM.
public sealed class ConsoleEscapeTests
{
    private static Config RepositoryConfig() =>
        ConfigurationFactory.ParseString(File.ReadAllText(
            RepositoryFiles.Find([AppContext.BaseDirectory], "config/akka.hocon")
            ?? throw new InvalidOperationException("config/akka.hocon not found above " + AppContext.BaseDirectory)));

    private static EscapeDetector? DetectorFor(string overrides, TimeProvider clock)
    {
        Config config = ConfigurationFactory.ParseString(overrides).WithFallback(RepositoryConfig());
        return Program.EscapeDetectorFor(LguestSettings.FromConfig(config).ConsoleEscape, clock);
    }

    [Fact]
    public void A_configured_key_count_and_window_are_what_leaves_the_VM()
    {
        var clock = new SteppingClock();
        var detector = DetectorFor(
            "lguest.console { escape-key = ctrl-b, escape-count = 2, escape-window = 250ms }", clock);

        Assert.NotNull(detector);
        Assert.Equal((byte)2, detector.Key);
        Assert.Equal(2, detector.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(250), detector.Window);

        Assert.False(detector.Feed([0x03, 0x03, 0x03]));    // the default Ctrl-C ×3 no longer leaves
        Assert.False(detector.Feed([0x02]));
        clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.False(detector.Feed([0x02]));                // outside the 250 ms window: goes to the guest
        clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(detector.Feed([0x02]));                 // two within 250 ms
    }

    [Fact]
    public void The_shipped_config_leaves_on_three_Ctrl_C_within_a_second()
    {
        var clock = new SteppingClock();
        var detector = DetectorFor("", clock);

        Assert.NotNull(detector);
        Assert.False(detector.Feed([0x1D]));                // Ctrl-] goes to the guest
        Assert.False(detector.Feed([0x03, 0x03]));
        clock.Advance(TimeSpan.FromMilliseconds(900));
        Assert.True(detector.Feed([0x03]));
    }

    [Fact]
    public void An_escape_key_of_off_gives_no_detector_so_every_key_reaches_the_guest()
    {
        Assert.Null(DetectorFor("lguest.console.escape-key = off", new SteppingClock()));
    }

    private sealed class SteppingClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
