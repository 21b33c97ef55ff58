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
    /// <exception cref="Akka.Configuration.ConfigurationException">a negative count or duration.</exception>
    public static DeviceSupervision FromConfig(Akka.Configuration.Config section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var s = new DeviceSupervision(
            section.GetInt("max-restarts", Default.MaxRestarts),
            section.GetTimeSpan("within", Default.Within),
            section.GetTimeSpan("watchdog-interval", Default.WatchdogInterval),
            section.GetTimeSpan("watchdog-timeout", Default.WatchdogTimeout));
        if (s.MaxRestarts < 0 || s.Within <= TimeSpan.Zero || s.WatchdogInterval < TimeSpan.Zero || s.WatchdogTimeout < s.WatchdogInterval)
        {
            throw new Akka.Configuration.ConfigurationException(
                $"{ConfigPath}: max-restarts >= 0, within > 0 and watchdog-timeout >= watchdog-interval >= 0 (0 = no watchdog), not {s}");
        }
        return s;
    }
}
