using Akka.Configuration;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Supervision;

namespace LguestActors.Host.Experiments;

/// <summary>The fault plan and device supervision of config/akka.hocon, for the VMs of an ordinary run.</summary>
internal static class HostFaults
{
    /// <exception cref="ConfigurationException">a bad value; the message names the key.</exception>
    public static (FaultPlan Plan, DeviceSupervision Supervision) Read(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var plan = config.HasPath(FaultPlan.ConfigPath) ? FaultPlan.FromConfig(config.GetConfig(FaultPlan.ConfigPath)) : FaultPlan.None;
        var supervision = config.HasPath(DeviceSupervision.ConfigPath)
            ? DeviceSupervision.FromConfig(config.GetConfig(DeviceSupervision.ConfigPath))
            : DeviceSupervision.Default;
        return (plan, supervision);
    }
}
