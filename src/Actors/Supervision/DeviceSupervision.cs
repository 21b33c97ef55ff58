namespace LguestActors.Actors.Supervision;

/// <summary>
/// How a launcher supervises its devices (config: <c>lguest.devices.supervision</c>).
/// </summary>
/// <param name="MaxRestarts">A device restarted more than this many times within <paramref name="Within"/> is failed to the guest.</param>
/// <param name="Within">The window the restarts are counted in.</param>
/// <param name="WatchdogInterval">How often the watchdog looks at the devices' queues; zero turns it off.</param>
/// <param name="WatchdogTimeout">A device with pending work and no progress for this long is restarted.</param>
public sealed record DeviceSupervision(int MaxRestarts, TimeSpan Within, TimeSpan WatchdogInterval, TimeSpan WatchdogTimeout)
{
    public static DeviceSupervision Default { get; } =
        new(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

    public bool WatchdogEnabled => WatchdogInterval > TimeSpan.Zero;

    /// <summary>The HOCON path in config/akka.hocon.</summary>
    public const string ConfigPath = "lguest.devices.supervision";

    /// <summary>Reads a section shaped like <c>lguest.devices.supervision</c>; missing keys keep the defaults.</summary>
    /// <param name="section">The section.</param>
    /// <param name="path">Its path, for the messages (an experiment file's is experiment.supervision).</param>
    /// <exception cref="Akka.Configuration.ConfigurationException">a bad value; the message names the key.</exception>
    public static DeviceSupervision FromConfig(Akka.Configuration.Config section, string path = ConfigPath)
    {
        ArgumentNullException.ThrowIfNull(section);
        var read = new Configuration.ConfigReader(section, path);
        var s = new DeviceSupervision(
            read.Int("max-restarts", Default.MaxRestarts, 0, int.MaxValue),
            read.Duration("within", Default.Within, TimeSpan.FromMilliseconds(1)),
            read.Duration("watchdog-interval", Default.WatchdogInterval, TimeSpan.Zero),
            read.Duration("watchdog-timeout", Default.WatchdogTimeout, TimeSpan.Zero));
        if (s.WatchdogTimeout < s.WatchdogInterval)
        {
            throw read.Bad("watchdog-timeout", $"at least watchdog-interval ({section.GetValue("watchdog-interval")?.ToString() ?? "100ms"})");
        }
        return s;
    }
}
