using Akka.Configuration;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Supervision;

namespace LguestActors.Host.Experiments;

/// <summary>
/// One experiment file: a workload, a fault plan, how many trials and the seed they all derive
/// from. HOCON (JSON is valid HOCON):
/// <code>
/// experiment {
///   name = console-crashes
///   workload = console-count      # console-count (run=count n=COUNT) or block-write-verify (COUNT sectors)
///   count = 300
///   trials = 10
///   seed = 1
///   memory-mib = 32
///   trial-timeout = 60s
///   supervision { max-restarts = 100000, within = 1m, watchdog-interval = 50ms, watchdog-timeout = 2s }
///   faults { crash.every-n-requests = 1, kicks.drop = 0.05 }   # lguest.faults keys; the seed is the trial's
/// }
/// </code>
/// </summary>
internal sealed record ExperimentSpec(
    string Name,
    string Workload,
    int Count,
    int Trials,
    int Seed,
    int MemoryMib,
    TimeSpan TrialTimeout,
    DeviceSupervision Supervision,
    FaultPlan Faults)
{
    public const string Section = "experiment";

    /// <summary>lguest.vcpu and lguest.virtio of config/akka.hocon, which every trial's VM runs with.</summary>
    public MachineSettings Machine { get; init; } = MachineSettings.Default;

    /// <summary>What the workload's count counts.</summary>
    public string Unit => Workload == BlockWriteVerifyWorkload.Name ? "sectors" : "requests";

    /// <summary>What the throughput counts (the plot's axis and the table's rate): block trials write every sector, then read it back.</summary>
    public string RateUnit => Workload == BlockWriteVerifyWorkload.Name ? "sectors written or read" : "requests";

    public static readonly IReadOnlyList<string> Workloads = [ConsoleCountWorkload.Name, BlockWriteVerifyWorkload.Name, RngCountWorkload.Name];

    /// <exception cref="ConfigurationException">a missing or bad key; the message names it.</exception>
    public static ExperimentSpec Parse(string hocon)
    {
        var root = ConfigurationFactory.ParseString(hocon);
        if (!root.HasPath(Section))
        {
            throw new ConfigurationException($"no '{Section} {{ ... }}' section");
        }
        var c = root.GetConfig(Section);
        var read = new Actors.Configuration.ConfigReader(c, Section);
        string workload = read.Text("workload", ConsoleCountWorkload.Name);
        if (!Workloads.Contains(workload))
        {
            throw new ConfigurationException($"{Section}.workload '{workload}' is not one of: {string.Join(", ", Workloads)}");
        }
        return new ExperimentSpec(
            read.Text("name", "experiment"),
            workload,
            read.Int("count", 200, 1, 10_000_000),
            read.Int("trials", 10, 1, 1_000_000),
            read.Int("seed", 1, int.MinValue, int.MaxValue),
            read.Int("memory-mib", 32, 4, Cli.LaunchOptions.MaxMemoryMegabytes),
            read.Duration("trial-timeout", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(1)),
            c.HasPath("supervision") ? DeviceSupervision.FromConfig(c.GetConfig("supervision"), $"{Section}.supervision") : DeviceSupervision.Default,
            c.HasPath("faults") ? FaultPlan.FromConfig(c.GetConfig("faults"), $"{Section}.faults") : FaultPlan.None);
    }

    /// <summary>Trial i's seed: SplitMix64 of the experiment seed and i, so any one trial can be rerun alone.</summary>
    public int TrialSeed(int trial)
    {
        ulong z = unchecked(((ulong)(uint)Seed << 32 | (uint)trial) + 0x9E3779B97F4A7C15);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EB);
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
