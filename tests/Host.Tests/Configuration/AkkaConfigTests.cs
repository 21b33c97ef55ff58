using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using LguestActors.Host.Configuration;

namespace LguestActors.Host.Tests.Configuration;

public sealed class AkkaConfigTests
{
    private static string RepositoryConfig() =>
        RepositoryFiles.Find([AppContext.BaseDirectory], "config/akka.hocon")
        ?? throw new InvalidOperationException("config/akka.hocon not found above " + AppContext.BaseDirectory);

    private static Config Parse() => ConfigurationFactory.ParseString(File.ReadAllText(RepositoryConfig()));

    [Fact]
    public void Config_file_parses_and_has_every_key_the_code_reads()
    {
        Config config = Parse();

        string[] hostKeys =
        [
            "akka.loglevel",
            "akka.coordinated-shutdown.phases.service-stop.timeout",
            "vcpu-dispatcher.type",
            "vcpu-pool-dispatcher.type",
            "device-io-dispatcher.type",
        ];
        foreach (string path in LguestSettings.Paths.Concat(hostKeys))
        {
            Assert.True(config.HasPath(path), $"config/akka.hocon has no {path}");
        }
    }

    [Fact]
    public void Lguest_section_holds_the_documented_defaults()
    {
        LguestSettings settings = LguestSettings.FromConfig(Parse());

        Assert.Equal(256, settings.RingSize);
        Assert.Equal(4096, settings.SliceInstructions);
        Assert.Equal("vcpu-dispatcher", settings.VcpuDispatcher);
        Assert.Equal(16, settings.PinnedUpTo);
        Assert.Equal("vcpu-pool-dispatcher", settings.FleetDispatcher);
        Assert.Equal("device-io-dispatcher", settings.DeviceIoDispatcher);
        Assert.Equal(new ConsoleEscape(3, 3, TimeSpan.FromSeconds(1)), settings.ConsoleEscape);
    }

    [Fact]
    public void The_program_finds_the_config_file_beside_itself()
    {
        // The host project copies config/akka.hocon to its output; the test output gets it too.
        string? found = AkkaConfigFile.Locate([AppContext.BaseDirectory]);

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "akka.hocon"), found);
        Assert.Equal(File.ReadAllText(RepositoryConfig()), File.ReadAllText(found!));
    }

    [Fact]
    public async Task Dispatchers_named_in_the_config_run_actors()
    {
        Config config = Parse();
        LguestSettings settings = LguestSettings.FromConfig(config);
        using ActorSystem system = ActorSystem.Create("config-test", config);
        try
        {
            Assert.IsType<PinnedDispatcher>(system.Dispatchers.Lookup(settings.VcpuDispatcher));
            Assert.True(system.Dispatchers.HasDispatcher(settings.DeviceIoDispatcher));

            foreach (string dispatcher in new[] { settings.VcpuDispatcher, settings.FleetDispatcher, settings.DeviceIoDispatcher })
            {
                IActorRef echo = system.ActorOf(Props.Create(() => new Echo()).WithDispatcher(dispatcher));
                Assert.Equal("ping", await echo.Ask<string>("ping", TimeSpan.FromSeconds(10)));
            }
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Theory]
    [InlineData("lguest.virtio.ring-size = 100", "lguest.virtio.ring-size must be a power of two from 1 to 4096, not '100'")]
    [InlineData("lguest.virtio.ring-size = 65536", "lguest.virtio.ring-size must be a whole number from 1 to 4096, not '65536'")]
    [InlineData("lguest.vcpu.slice-instructions = 0", "lguest.vcpu.slice-instructions must be a whole number from 1 to 10000000, not '0'")]
    [InlineData("lguest.vcpu.slice-instructions = 99999999999999", "lguest.vcpu.slice-instructions must be a whole number from 1 to 10000000, not '99999999999999'")]
    [InlineData("lguest.vcpu.slice-instructions = abc", "lguest.vcpu.slice-instructions must be a whole number from 1 to 10000000, not 'abc'")]
    [InlineData("lguest.vcpu.pinned-up-to = -1", "lguest.vcpu.pinned-up-to must be a whole number from 0 to 1000001, not '-1'")]
    [InlineData("lguest.vcpu.fleet-dispatcher = no-such-dispatcher", "lguest.vcpu.fleet-dispatcher names dispatcher \"no-such-dispatcher\", which the configuration does not define (a section with a type)")]
    [InlineData("lguest.vcpu.dispatcher = no-such-dispatcher", "lguest.vcpu.dispatcher names dispatcher \"no-such-dispatcher\", which the configuration does not define (a section with a type)")]
    [InlineData("lguest.console.escape-key = f1", "lguest.console.escape-key must be \"ctrl-a\" .. \"ctrl-z\" or \"off\", not \"f1\"")]
    [InlineData("lguest.console.escape-count = 0", "lguest.console.escape-count must be a whole number from 1 to 100, not '0'")]
    [InlineData("lguest.console.escape-window = -1s", "lguest.console.escape-window must be a duration like 100ms, 2s or 1m, not '-1s'")]
    public void Out_of_range_settings_are_rejected_naming_the_key(string overrideLine, string message)
    {
        Config config = ConfigurationFactory.ParseString(overrideLine).WithFallback(Parse());

        var error = Assert.Throws<ConfigurationException>(() => LguestSettings.FromConfig(config));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_missing_key_is_named()
    {
        Config config = ConfigurationFactory.ParseString("lguest.virtio { }");

        var error = Assert.Throws<ConfigurationException>(() => LguestSettings.FromConfig(config));

        Assert.Equal("lguest.vcpu.slice-instructions is missing", error.Message);
    }

    [Theory]
    [InlineData("ctrl-c", (byte)3)]
    [InlineData("Ctrl-A", (byte)1)]
    [InlineData("ctrl-z", (byte)26)]
    [InlineData("ctrl-]", null)]
    public void Escape_keys_are_the_bytes_a_raw_terminal_sends(string key, byte? expected)
    {
        if (expected is null)
        {
            Assert.Throws<ConfigurationException>(() => LguestSettings.ParseEscapeKey(key));
            return;
        }
        Assert.Equal(expected, LguestSettings.ParseEscapeKey(key));
    }

    [Fact]
    public void The_escape_can_be_turned_off()
    {
        Assert.Null(LguestSettings.ParseEscapeKey("off"));
    }

    [Fact]
    public void A_broken_config_file_is_one_line_naming_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lguest-bad-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(path, "lguest.virtio.ring-size = ${missing}\n");
        try
        {
            (Config? config, _, string? error) = AkkaConfigFile.Load(path);

            Assert.Null(config);
            Assert.NotNull(error);
            Assert.StartsWith(path + ": ", error, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("this is { not hocon\n", "line 1: '{' is never closed")]
    [InlineData("akka.loglevel = INFO\ngarbage garbage garbage\n", "line 2: 'garbage garbage garbage' is not a setting (expected key = value)")]
    [InlineData("akka {\n  loglevel = INFO\n}}\n", "line 3: '}' closes nothing")]
    [InlineData("akka.loglevel = \"INFO\n", "line 1: a quoted string is not closed on its line")]
    [InlineData("lguest.devices.supervision.watchdog-interval = -1s\n", "lguest.devices.supervision.watchdog-interval must be a duration like 100ms, 2s or 1m (0 or more), not '-1s'")]
    [InlineData("lguest.faults.kicks.drop = 2\n", "lguest.faults.kicks.drop must be a probability from 0 to 1, not '2'")]
    [InlineData("lguest.vcpu.slice-instructions = 99999999999999\n", "lguest.vcpu.slice-instructions must be a whole number from 1 to 10000000, not '99999999999999'")]
    public void A_bad_config_file_is_one_line_naming_the_file_and_the_line_or_key(string appended, string expected)
    {
        string path = Path.Combine(Path.GetTempPath(), $"lguest-bad-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(path, appended.StartsWith("lguest.", StringComparison.Ordinal) ? File.ReadAllText(RepositoryConfig()) + "\n" + appended : appended);
        try
        {
            (Config? config, _, string? error) = AkkaConfigFile.Load(path);

            Assert.Null(config);
            Assert.Equal($"{path}: {expected}", error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_config_path_that_is_a_directory_is_one_line()
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("lguest-config-dir-");
        try
        {
            (_, _, string? error) = AkkaConfigFile.Load(dir.FullName);

            Assert.Equal($"{dir.FullName} is a directory, not a HOCON file", error);
        }
        finally
        {
            dir.Delete();
        }
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<string>(s => Sender.Tell(s));
    }
}
