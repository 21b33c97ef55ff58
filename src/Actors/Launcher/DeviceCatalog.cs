using Akka.Actor;
using LguestActors.Actors.Devices;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

/// <summary>
/// Turns a VM's <see cref="DeviceConfig"/>s into what the launcher needs: the device-page entry,
/// the child's name, the watched queues and the actor's Props with the state that survives its
/// restarts. It knows no device kind: each declares itself in its folder (<see cref="DeviceConfig.Kind"/>).
/// </summary>
internal static class DeviceCatalog
{
    /// <summary>The device-page entry of <paramref name="config"/>, every queue <paramref name="ringSize"/> entries.</summary>
    public static DeviceSpec SpecOf(DeviceConfig config, ushort ringSize) =>
        new(config.Kind.VirtioId, config.Kind.QueueCount, config.OfferedFeatures(), config.ConfigSpace(ringSize), ringSize);

    /// <summary>The child name: the kind's stem numbered among the devices of the same kind before it (console, console1; net0; blk0; rng0).</summary>
    public static string NameOf(DeviceConfig config, IReadOnlyList<DeviceConfig> all)
    {
        int sameKindBefore = all.TakeWhile(c => !ReferenceEquals(c, config)).Count(c => c.Kind == config.Kind);
        return config.Kind.ChildName(sameKindBefore);
    }

    /// <summary>
    /// The device's Props, and in <paramref name="state"/> its virtio state (which outlives the
    /// actor, DESIGN §6) with the plan's faults and the VM's event sink attached.
    /// </summary>
    public static Props PropsOf(DeviceConfig config, string vm, string name, GuestMemory memory, IVirtioTransport transport, IActorRef interrupts,
        FaultInjector faults, DeviceEventsFactory? events, out VirtioDeviceState state)
    {
        state = new VirtioDeviceState(config.Kind.QueueCount)
        {
            Faults = faults.ForDevice(name),
            Events = events?.Invoke(vm, name, config.Kind) ?? NoDeviceEvents.Instance,
        };
        return config.CreateProps(new DeviceContext(name, memory, transport, interrupts, state, faults.ForBackend(name)));
    }
}
