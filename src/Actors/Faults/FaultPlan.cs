using Akka.Configuration;
using LguestActors.Actors.Devices;

namespace LguestActors.Actors.Faults;

/// <summary>
/// What to break, how often, and the one seed every random choice comes from. Immutable; a
/// <see cref="FaultInjector"/> carries it out for one VM. Built in code (tests), from the
/// <c>lguest.faults</c> HOCON section (config/akka.hocon, experiment files) or the host CLI.
/// </summary>
public sealed record FaultPlan
{
    public static FaultPlan None { get; } = new();

    public int Seed { get; init; }

    /// <summary>Devices the plan applies to, by child name (console, net0, blk0); empty = all.</summary>
    public IReadOnlyList<string> Devices { get; init; } = [];

    /// <summary>Probability that a visit to an enabled <see cref="FaultPoint"/> throws.</summary>
    public double CrashProbability { get; init; }

    /// <summary>Every N requests taken, a crash fires at one of <see cref="CrashPoints"/>; 0 = off.</summary>
    public int CrashEveryNRequests { get; init; }

    public FaultPoint CrashPoints { get; init; } = FaultPoint.All;

    /// <summary>No more crashes than this per device; negative = unlimited.</summary>
    public int MaxCrashes { get; init; } = -1;

    /// <summary>Probability a kick is preceded by a Kill of the device (an abrupt stop between messages).</summary>
    public double KillProbability { get; init; }

    public LinkFaults Kicks { get; init; } = LinkFaults.None;

    public LinkFaults Irqs { get; init; } = LinkFaults.None;

    /// <summary>Probability a block request fails with an I/O error (the guest sees IOERR).</summary>
    public double BackendIoError { get; init; }

    /// <summary>Probability a block write fails with ENOSPC (the guest sees IOERR).</summary>
    public double BackendNoSpace { get; init; }

    /// <summary>Probability a block request takes <see cref="SlowIoDelay"/> longer.</summary>
    public double SlowIo { get; init; }

    public TimeSpan SlowIoDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Hostile guest: probability the next descriptor is corrupted before the device reads it.</summary>
    public double CorruptDescriptor { get; init; }

    public bool IsActive =>
        CrashProbability > 0 || CrashEveryNRequests > 0 || KillProbability > 0 || Kicks.IsActive || Irqs.IsActive
        || BackendIoError > 0 || BackendNoSpace > 0 || SlowIo > 0 || CorruptDescriptor > 0;

    public bool AppliesTo(string device) => Devices.Count == 0 || Devices.Contains(device, StringComparer.Ordinal);

    /// <summary>The HOCON path of the plan in config/akka.hocon.</summary>
    public const string ConfigPath = "lguest.faults";

    /// <summary>Reads a plan from a section shaped like <c>lguest.faults</c>; missing keys keep their defaults.</summary>
    /// <param name="section">The section.</param>
    /// <param name="path">Its path, for the messages (an experiment file's is experiment.faults).</param>
    /// <exception cref="ConfigurationException">a bad value (a probability outside [0, 1], an unknown fault point...); the message names the key.</exception>
    public static FaultPlan FromConfig(Config section, string path = ConfigPath)
    {
        ArgumentNullException.ThrowIfNull(section);
        var read = new Configuration.ConfigReader(section, path);
        return new FaultPlan
        {
            Seed = read.Int("seed", 0, int.MinValue, int.MaxValue),
            Devices = DeviceNames(read),
            CrashProbability = read.Probability("crash.probability"),
            CrashEveryNRequests = read.Int("crash.every-n-requests", 0, 0, int.MaxValue),
            CrashPoints = read.Has("crash.points") ? ParsePoints(read.TextList("crash.points"), read.PathOf("crash.points")) : FaultPoint.All,
            MaxCrashes = read.Int("crash.max", -1, -1, int.MaxValue),
            KillProbability = read.Probability("kill-probability"),
            Kicks = Link(read, "kicks"),
            Irqs = Link(read, "irqs"),
            BackendIoError = read.Probability("backend.io-error"),
            BackendNoSpace = read.Probability("backend.no-space"),
            SlowIo = read.Probability("backend.slow"),
            SlowIoDelay = read.Duration("backend.slow-delay", TimeSpan.FromMilliseconds(20), TimeSpan.Zero),
            CorruptDescriptor = read.Probability("corrupt-descriptor"),
        };
    }

    /// <summary>Child names of devices a kind gives; a name no device can have would silently fault nothing.</summary>
    private static string[] DeviceNames(Configuration.ConfigReader read)
    {
        var names = read.TextList("devices").ToArray();
        foreach (string name in names)
        {
            if (!DeviceKinds.IsDeviceName(name))
            {
                throw read.Bad("devices", $"device child names such as {DeviceKinds.Examples}", name);
            }
        }
        return names;
    }

    /// <summary>kebab-case names as written in HOCON: after-take, before-side-effect, ...</summary>
    public static FaultPoint ParsePoints(IEnumerable<string> names, string path = ConfigPath + ".crash.points")
    {
        var points = FaultPoint.None;
        foreach (string name in names)
        {
            points |= name.Trim().ToLowerInvariant() switch
            {
                "after-take" => FaultPoint.AfterTake,
                "before-side-effect" => FaultPoint.BeforeSideEffect,
                "after-side-effect" => FaultPoint.AfterSideEffect,
                "before-publish" => FaultPoint.BeforePublish,
                "after-publish" => FaultPoint.AfterPublish,
                "all" => FaultPoint.All,
                _ => throw new ConfigurationException(
                    $"{path}: unknown point '{name}' (after-take, before-side-effect, after-side-effect, before-publish, after-publish, all)"),
            };
        }
        return points;
    }

    private static LinkFaults Link(Configuration.ConfigReader read, string name) => new(
        read.Probability($"{name}.drop"),
        read.Probability($"{name}.delay"),
        read.Probability($"{name}.duplicate"),
        read.Duration($"{name}.delay-by", LinkFaults.None.DelayBy, TimeSpan.Zero));
}
