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
}
