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

            foreach (string dispatcher in new[] { settings.VcpuDispatcher, settings.DeviceIoDispatcher })
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
    [InlineData("lguest.virtio.ring-size = 100", "lguest.virtio.ring-size must be a power of two from 1 to 32768, not 100")]
    [InlineData("lguest.virtio.ring-size = 65536", "lguest.virtio.ring-size must be a power of two from 1 to 32768, not 65536")]
    [InlineData("lguest.vcpu.slice-instructions = 0", "lguest.vcpu.slice-instructions must be a positive number of instructions, not 0")]
    [InlineData("lguest.vcpu.dispatcher = no-such-dispatcher", "lguest.vcpu.dispatcher names dispatcher \"no-such-dispatcher\", which the configuration does not define")]
    [InlineData("lguest.console.escape-key = f1", "lguest.console.escape-key must be \"ctrl-a\" .. \"ctrl-z\" or \"off\", not \"f1\"")]
    [InlineData("lguest.console.escape-count = 0", "lguest.console.escape-count must be at least 1, not 0")]
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

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<string>(s => Sender.Tell(s));
    }
}
