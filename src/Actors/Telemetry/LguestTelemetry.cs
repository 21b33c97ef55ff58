using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LguestActors.Actors.Telemetry;

/// <summary>
/// The machine's <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="System.Diagnostics.ActivitySource"/>,
/// both named <c>LguestActors</c>: what <c>dotnet-counters monitor --counters LguestActors</c>, a
/// <see cref="MeterListener"/> or an OpenTelemetry exporter sees (docs/HOST.md, "Metrics and traces").
/// Every measurement carries the VM's name (<c>vm</c>), and where it has one the device's
/// (<c>device</c>: console, net0, blk0…) and the queue's index (<c>queue</c>). Recording is
/// write-only: nothing in the machine reads an instrument back, so a simulated world's run is the
/// same with or without a listener (docs/DETERMINISM.md).
/// </summary>
public static class LguestTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "LguestActors";

    public static readonly Meter Meter = new(Name, "1.0");

    public static readonly ActivitySource Source = new(Name, "1.0");

    // The vCPU: recorded once per slice (retired instructions, the slice) or once per exit.
    public static readonly Counter<long> Instructions = Meter.CreateCounter<long>("lguest.vcpu.instructions", "{instruction}", "Guest instructions retired");
    public static readonly Counter<long> Slices = Meter.CreateCounter<long>("lguest.vcpu.slices", "{slice}", "Slices the vCPU ran (each at most lguest.vcpu.slice-instructions)");
    public static readonly Counter<long> Hypercalls = Meter.CreateCounter<long>("lguest.vcpu.hypercalls", "{hypercall}", "Hypercalls trapped (int 0x1f), by kind (tag hypercall)");
    public static readonly Counter<long> Kicks = Meter.CreateCounter<long>("lguest.vcpu.kicks", "{kick}", "NOTIFYs of a virtqueue sent straight to its device");

    // Interrupts.
    public static readonly Counter<long> IrqsRaised = Meter.CreateCounter<long>("lguest.irq.raised", "{irq}", "IRQs raised: RaiseIrq at the interrupt controller, and the clock event (IRQ 0) at the vCPU (tag irq)");
    public static readonly Counter<long> IrqsDelivered = Meter.CreateCounter<long>("lguest.irq.delivered", "{irq}", "IRQs delivered into the guest (tag irq)");

    // Every virtio device, per queue (the shared queue engine).
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>("lguest.virtio.requests", "{request}", "Chains completed (used entries published), per device and queue");
    public static readonly Counter<long> BytesToDevice = Meter.CreateCounter<long>("lguest.virtio.bytes_read", "By", "Bytes of the completed chains' device-readable buffers (guest to device)");
    public static readonly Counter<long> BytesToGuest = Meter.CreateCounter<long>("lguest.virtio.bytes_written", "By", "Bytes the device wrote into the completed chains (the used entries' lengths)");
    public static readonly Histogram<double> RequestLatency = Meter.CreateHistogram<double>("lguest.virtio.request.duration", "ms", "From taking a chain off the available ring to publishing its used entry");

    // Supervision and faults.
    public static readonly Counter<long> DeviceRestarts = Meter.CreateCounter<long>("lguest.device.restarts", "{restart}", "Device actors restarted by their supervisor");
    public static readonly Counter<long> DeviceFailures = Meter.CreateCounter<long>("lguest.device.failed", "{failure}", "Devices set FAILED because the guest broke a ring rule");
    public static readonly Counter<long> FaultsInjected = Meter.CreateCounter<long>("lguest.faults.injected", "{fault}", "Faults injected by a fault plan (tag kind)");

    // Device kinds.
    public static readonly Counter<long> FramesSent = Meter.CreateCounter<long>("lguest.net.frames_sent", "{frame}", "Frames the guest transmitted that went to the backend");
    public static readonly Counter<long> FramesReceived = Meter.CreateCounter<long>("lguest.net.frames_received", "{frame}", "Frames delivered into the guest's receive buffers");
    public static readonly Counter<long> FramesDropped = Meter.CreateCounter<long>("lguest.net.frames_dropped", "{frame}", "Frames dropped by policy (tag reason: no_buffer, oversize, backlog, bad_length)");
    public static readonly Counter<long> BlockOperations = Meter.CreateCounter<long>("lguest.block.operations", "{operation}", "Block requests completed (tags op: read, write, flush, get_id, other; status: ok, ioerr, unsupp)");
    public static readonly Counter<long> BlockBytes = Meter.CreateCounter<long>("lguest.block.bytes", "By", "Data bytes moved between the guest and the disk (tag op: read, write)");

    // VMs.
    public static readonly UpDownCounter<long> VmsRunning = Meter.CreateUpDownCounter<long>("lguest.vms.running", "{vm}", "VMs booted and not yet ended");
}
