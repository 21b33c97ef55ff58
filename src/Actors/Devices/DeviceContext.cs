using Akka.Actor;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices;

/// <summary>What the launcher hands a <see cref="DeviceConfig"/> to make its actor.</summary>
/// <param name="Name">The device's child name (console, net0, blk0, rng0).</param>
/// <param name="Memory">Guest memory.</param>
/// <param name="Transport">How the device's queues were found (the lguest device page).</param>
/// <param name="Interrupts">Where RaiseIrq goes (the interrupt controller, or a fault link in front of it).</param>
/// <param name="Virtio">The virtio state that outlives the actor (DESIGN §6), with the device's fault plan and events already set.</param>
/// <param name="BackendFaults">Faults the plan injects into the device's backend (EIO, ENOSPC, slow I/O), where the kind has one.</param>
public sealed record DeviceContext(
    string Name,
    GuestMemory Memory,
    IVirtioTransport Transport,
    IActorRef Interrupts,
    VirtioDeviceState Virtio,
    DeviceFaults BackendFaults);
