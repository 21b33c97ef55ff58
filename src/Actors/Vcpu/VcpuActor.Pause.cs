namespace LguestActors.Actors.Vcpu;

// PAUSE-loop exiting (src/Cpu/Cpu.Pause.cs): the guest spins with cpu_relax(), almost always
// waiting for a device it has just kicked — Linux's virtio console waits so for every buffer it
// writes. Running the spin only takes the host CPU from that device.
public sealed partial class VcpuActor
{
    /// <summary>
    /// The slice ends at the spin (the next one is a message away, so a waiting IRQ, Break or stop
    /// gets in first). In real time the vCPU's thread also yields the host CPU to whatever is ready,
    /// the device actors first of all, as a hypervisor yields the physical CPU on a PLE exit; in a
    /// simulated world the schedule runs other mailboxes between slices anyway.
    /// </summary>
    private void YieldToDevices()
    {
        _stats.PauseExits++;
        if (_world is null)
        {
            Thread.Yield();
        }
    }
}
