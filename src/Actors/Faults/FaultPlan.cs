using Akka.Configuration;

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
    /// <exception cref="ConfigurationException">a probability outside [0, 1] or an unknown fault point.</exception>
    public static FaultPlan FromConfig(Config section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var plan = new FaultPlan
        {
            Seed = section.GetInt("seed", 0),
            Devices = section.HasPath("devices") ? section.GetStringList("devices").ToArray() : [],
            CrashProbability = Probability(section, "crash.probability"),
            CrashEveryNRequests = section.GetInt("crash.every-n-requests", 0),
            CrashPoints = section.HasPath("crash.points") ? ParsePoints(section.GetStringList("crash.points")) : FaultPoint.All,
            MaxCrashes = section.GetInt("crash.max", -1),
            KillProbability = Probability(section, "kill-probability"),
            Kicks = Link(section, "kicks"),
            Irqs = Link(section, "irqs"),
            BackendIoError = Probability(section, "backend.io-error"),
            BackendNoSpace = Probability(section, "backend.no-space"),
            SlowIo = Probability(section, "backend.slow"),
            SlowIoDelay = section.GetTimeSpan("backend.slow-delay", TimeSpan.FromMilliseconds(20)),
            CorruptDescriptor = Probability(section, "corrupt-descriptor"),
        };
        if (plan.CrashEveryNRequests < 0)
        {
            throw new ConfigurationException($"{ConfigPath}.crash.every-n-requests must be 0 (off) or positive, not {plan.CrashEveryNRequests}");
        }
        return plan;
    }

    /// <summary>kebab-case names as written in HOCON: after-take, before-side-effect, ...</summary>
    public static FaultPoint ParsePoints(IEnumerable<string> names)
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
                    $"{ConfigPath}.crash.points: unknown point '{name}' (after-take, before-side-effect, after-side-effect, before-publish, after-publish, all)"),
            };
        }
        return points;
    }

    private static LinkFaults Link(Config section, string name) => new(
        Probability(section, $"{name}.drop"),
        Probability(section, $"{name}.delay"),
        Probability(section, $"{name}.duplicate"),
        section.GetTimeSpan($"{name}.delay-by", LinkFaults.None.DelayBy));

    private static double Probability(Config section, string path)
    {
        double p = section.GetDouble(path, 0);
        if (p is < 0 or > 1 || double.IsNaN(p))
        {
            throw new ConfigurationException($"{ConfigPath}.{path} is a probability from 0 to 1, not {p}");
        }
        return p;
    }
}
