using Akka.Actor;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

/// <summary>
/// Turns a <see cref="DeviceConfig"/> into what the launcher needs: the device-page entry, the
/// child's name, and the actor's Props (with state that survives the actor's restarts).
/// </summary>
internal static class DeviceCatalog
{
    public static DeviceSpec SpecOf(DeviceConfig config) => config switch
    {
        ConsoleConfig => new DeviceSpec(ConsoleDevice.VirtioId, ConsoleDevice.QueueCount, ConsoleDevice.OfferedFeatures(), ReadOnlyMemory<byte>.Empty),
        NetDeviceConfig net => new DeviceSpec(NetDevice.VirtioId, NetDevice.QueueCount, NetConfig.OfferedFeatures(), NetConfig.ConfigSpace(net.Mac)),
        BlockDeviceConfig block => new DeviceSpec(BlockDevice.VirtioId, BlockDevice.QueueCount, BlockDevice.OfferedFeatures(block.Backend.ReadOnly),
            BlockConfig.ConfigSpace(block.Backend.Length, DeviceSpec.DefaultQueueSize)),
        _ => throw new ArgumentException($"unsupported device configuration {config.GetType().Name}", nameof(config)),
    };

    /// <summary>console, then console1...; later blk0, net0 for block and net devices.</summary>
    public static string NameOf(DeviceConfig config, IReadOnlyList<DeviceConfig> all)
    {
        int sameKindBefore = all.TakeWhile(c => !ReferenceEquals(c, config)).Count(c => c.GetType() == config.GetType());
        return config switch
        {
            ConsoleConfig => sameKindBefore == 0 ? "console" : $"console{sameKindBefore}",
            NetDeviceConfig => $"net{sameKindBefore}",
            BlockDeviceConfig => $"blk{sameKindBefore}",
            _ => $"device{sameKindBefore}",
        };
    }

    public static Props PropsOf(DeviceConfig config, GuestMemory memory, LguestTransport transport, IActorRef interrupts) => config switch
    {
        ConsoleConfig console => ConsoleDevice.Props(memory, transport, interrupts, console.Backend, new ConsoleDeviceState()),
        NetDeviceConfig net => NetDevice.Props(memory, transport, interrupts, net.Backend, net.Mac, new NetDeviceState()),
        BlockDeviceConfig block => BlockDevice.Props(memory, transport, interrupts, block.Backend, new BlockDeviceState(), block.Options),
        _ => throw new ArgumentException($"unsupported device configuration {config.GetType().Name}", nameof(config)),
    };
}
