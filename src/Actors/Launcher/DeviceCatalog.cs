using Akka.Actor;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

/// <summary>
/// Turns a <see cref="DeviceConfig"/> into what the launcher needs: the device-page entry, the
/// child's name, and the actor's Props (with state that survives the actor's restarts).
/// </summary>
internal static class DeviceCatalog
{
    /// <summary>The device-page entry of <paramref name="config"/>, every queue <paramref name="ringSize"/> entries.</summary>
    public static DeviceSpec SpecOf(DeviceConfig config, ushort ringSize) => config switch
    {
        ConsoleConfig => new DeviceSpec(ConsoleDevice.VirtioId, ConsoleDevice.QueueCount, ConsoleDevice.OfferedFeatures(), ReadOnlyMemory<byte>.Empty, ringSize),
        NetDeviceConfig net => new DeviceSpec(NetDevice.VirtioId, NetDevice.QueueCount, NetConfig.OfferedFeatures(), NetConfig.ConfigSpace(net.Mac), ringSize),
        BlockDeviceConfig block => new DeviceSpec(BlockDevice.VirtioId, BlockDevice.QueueCount, BlockDevice.OfferedFeatures(block.Backend.ReadOnly),
            BlockConfig.ConfigSpace(block.Backend.Length, ringSize), ringSize),
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

    /// <summary>The device's Props (a block backend wrapped in the plan's backend faults), and in <paramref name="state"/> its virtio state (which outlives the actor, DESIGN §6).</summary>
    public static Props PropsOf(DeviceConfig config, GuestMemory memory, LguestTransport transport, IActorRef interrupts, DeviceFaults faults, DeviceFaults backendFaults, out VirtioDeviceState state)
    {
        switch (config)
        {
            case ConsoleConfig console:
            {
                var s = new ConsoleDeviceState();
                state = s.Virtio;
                state.Faults = faults;
                return ConsoleDevice.Props(memory, transport, interrupts, console.Backend, s);
            }
            case NetDeviceConfig net:
            {
                var s = new NetDeviceState();
                state = s.Virtio;
                state.Faults = faults;
                return NetDevice.Props(memory, transport, interrupts, net.Backend, net.Mac, s);
            }
            case BlockDeviceConfig block:
            {
                var s = new BlockDeviceState();
                state = s.Virtio;
                state.Faults = faults;
                return BlockDevice.Props(memory, transport, interrupts, FaultyBlockBackend.Wrap(block.Backend, backendFaults), s, block.Options);
            }
            default:
                throw new ArgumentException($"unsupported device configuration {config.GetType().Name}", nameof(config));
        }
    }

    /// <summary>
    /// The queues the guest drives with kicks, which the watchdog checks for progress. Receive
    /// queues are left out: their buffers wait for host data, legitimately, for ever.
    /// </summary>
    public static IReadOnlyList<int> WatchedQueuesOf(DeviceConfig config) => config switch
    {
        ConsoleConfig => [ConsoleDevice.TransmitQueue],
        NetDeviceConfig => [NetDevice.TransmitQueue],
        BlockDeviceConfig => [BlockDevice.RequestQueue],
        _ => [],
    };
}
