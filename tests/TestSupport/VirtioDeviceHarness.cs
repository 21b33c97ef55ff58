using Akka.Actor;
using LguestActors.Actors.Devices;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;
using LguestActors.Cpu.Memory;

namespace LguestActors.Testing;

/// <summary>
/// One device with no guest: guest memory, a device page describing the device, a
/// <see cref="FakeVirtioDriver"/> per queue, and the lguest transport the device actor takes.
/// Pass a TestProbe's ref where the interrupt controller goes.
/// </summary>
public sealed class VirtioDeviceHarness
{
    public const ulong DefaultRamSize = 1 << 20;

    private VirtioDeviceHarness(GuestMemory memory, ulong ramSize, DevicePage page)
    {
        Memory = memory;
        RamSize = ramSize;
        DevicePage = page;
        Descriptor = page.Devices[0];
        Transport = new LguestTransport(memory, Descriptor, ramSize);
        // The upper half of RAM is the drivers' scratch space, split between the queues.
        ulong scratch = ramSize / 2;
        ulong share = scratch / (ulong)Math.Max(1, Descriptor.Queues.Count);
        Drivers = Descriptor.Queues
            .Select((q, i) => new FakeVirtioDriver(memory, q.Num, q.RingAddress, scratch + ((ulong)i * share), scratch + ((ulong)(i + 1) * share)))
            .ToArray();
    }

    public GuestMemory Memory { get; }

    public ulong RamSize { get; }

    public DevicePage DevicePage { get; }

    public DeviceDescriptor Descriptor { get; }

    public LguestTransport Transport { get; }

    public IReadOnlyList<FakeVirtioDriver> Drivers { get; }

    /// <summary>The status byte in the device's descriptor (the guest's and the device's view).</summary>
    public byte Status => Memory.ReadU8(Descriptor.StatusAddress);

    public static VirtioDeviceHarness Create(DeviceSpec spec, ulong ramSize = DefaultRamSize)
    {
        var page = DevicePage.Layout(ramSize, [spec]);
        var memory = new GuestMemory((long)page.End);
        page.Write(memory);
        return new VirtioDeviceHarness(memory, ramSize, page);
    }

    /// <summary>
    /// A harness for any device kind, laid out as the launcher lays it out: the kind's id and
    /// queues, the config's offered features and config space (console, net, block, rng — or a
    /// kind of your own).
    /// </summary>
    public static VirtioDeviceHarness For(DeviceConfig config, ushort queueSize = DeviceSpec.DefaultQueueSize, ulong ramSize = DefaultRamSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(new DeviceSpec(config.Kind.VirtioId, config.Kind.QueueCount, config.OfferedFeatures(), config.ConfigSpace(queueSize), queueSize), ramSize);
    }

    /// <summary>
    /// Makes <paramref name="config"/>'s device actor the way the launcher does (its Props from the
    /// config, with a fresh <see cref="VirtioDeviceState"/> that outlives restarts), returned with
    /// that state. <paramref name="faults"/> injects a fault plan into it, as a VM's would.
    /// Wrap <see cref="DeviceUnderTest.Props"/> in a <see cref="SupervisingParent"/> to survive crashes.
    /// </summary>
    public DeviceUnderTest Prepare(DeviceConfig config, IActorRef interrupts, FaultInjector? faults = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        name ??= config.Kind.ChildName(0);
        faults ??= FaultInjector.None;
        var state = new VirtioDeviceState(config.Kind.QueueCount) { Faults = faults.ForDevice(name) };
        var props = config.CreateProps(new DeviceContext(name, Memory, Transport, interrupts, state, faults.ForBackend(name)));
        return new DeviceUnderTest(name, props, state);
    }

    /// <summary>A harness for the virtio console (receiveq = Drivers[0], transmitq = Drivers[1]).</summary>
    public static VirtioDeviceHarness ForConsole(ushort queueSize = DeviceSpec.DefaultQueueSize) =>
        Create(new DeviceSpec(ConsoleDevice.VirtioId, ConsoleDevice.QueueCount, ConsoleDevice.OfferedFeatures(), ReadOnlyMemory<byte>.Empty, queueSize));

    /// <summary>Spawns a console device actor on this harness.</summary>
    public IActorRef SpawnConsole(IActorRefFactory system, IActorRef interrupts, IConsoleBackend backend, ConsoleDeviceState? state = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var props = ConsoleDevice.Props(Memory, Transport, interrupts, backend, state ?? new ConsoleDeviceState());
        return name is null ? system.ActorOf(props) : system.ActorOf(props, name);
    }

    /// <summary>Writes the guest's status byte, as the driver does before notifying.</summary>
    public void WriteStatus(byte status) => Memory.WriteU8(Descriptor.StatusAddress, status);

    /// <summary>Writes the features the guest accepts into the descriptor.</summary>
    public void AcceptFeatures(params int[] bits) =>
        Memory.Write(Descriptor.AcceptedFeaturesAddress, FeatureBits.Of(Descriptor.FeatureLength, bits));

    /// <summary>The StartDevice the launcher would send for the status and features now in the page.</summary>
    public Actors.Protocol.StartDevice StartMessage(byte status = VirtioStatus.Acknowledge | VirtioStatus.Driver)
    {
        WriteStatus(status);
        return new Actors.Protocol.StartDevice(status, Memory.ReadOnlySpan(Descriptor.AcceptedFeaturesAddress, Descriptor.FeatureLength).ToArray());
    }
}

/// <summary>A device made by <see cref="VirtioDeviceHarness.Prepare"/>: its child name, Props and the state that outlives its restarts.</summary>
public sealed record DeviceUnderTest(string Name, Props Props, VirtioDeviceState State)
{
    /// <summary>Spawns it directly (a crash stops the test's actor: use <see cref="SpawnSupervisedAsync"/> to survive one).</summary>
    public IActorRef Spawn(IActorRefFactory system) => system.ActorOf(Props, Name);

    /// <summary>Spawns it under a <see cref="SupervisingParent"/> (restart on a crash, as the launcher does); returns the device's ref.</summary>
    public Task<IActorRef> SpawnSupervisedAsync(IActorRefFactory system, TimeSpan timeout) => SupervisingParent.SpawnAsync(system, Props, timeout);
}
