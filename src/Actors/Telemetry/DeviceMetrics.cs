using System.Collections.Concurrent;
using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Telemetry;

/// <summary>
/// One device's side of <see cref="LguestTelemetry"/> (tags vm and device): its queues, its
/// restarts, and what its kind counts (frames, block operations). It hears the device lifecycle's
/// hook points (<see cref="IDeviceEvents"/>: request started and completed, restart, FAILED), so
/// every device kind is measured the same way without a line in its own folder.
/// </summary>
public sealed class DeviceMetrics : IDeviceEvents
{
    private readonly KeyValuePair<string, object?>[] _device;
    private readonly ConcurrentDictionary<int, QueueMetrics> _queues = new();
    private readonly ConcurrentDictionary<(string Key, string Value), KeyValuePair<string, object?>[]> _oneMore = new();
    private readonly ConcurrentDictionary<(string Op, string Status), KeyValuePair<string, object?>[]> _operations = new();

    internal DeviceMetrics(VmMetrics vm, string name)
    {
        VmMetrics = vm;
        Name = name;
        _device = [new("vm", vm.Vm), new("device", name)];
    }

    public VmMetrics VmMetrics { get; }

    public string Name { get; }

    public QueueMetrics Queue(int index) => _queues.GetOrAdd(index, i => new QueueMetrics(this, i));

    /// <summary>These metrics and <paramref name="others"/> both hear the device's events (others first).</summary>
    public IDeviceEvents Beside(IDeviceEvents others) => others is NoDeviceEvents ? this : new BothEvents(others, this);

    public void RequestStarted(int queue, ushort head, long readableBytes, long writableBytes) => Queue(queue).Taken(head, readableBytes);

    public void RequestCompleted(int queue, ushort head, uint writtenBytes) => Queue(queue).Completed(head, writtenBytes);

    public void IrqRaised(int queue, int irq)
    {
        // Counted where every IRQ arrives, at /irq (lguest.irq.raised, tag irq: one per queue).
    }

    /// <summary>A new incarnation of the device's actor took over after a supervisor restart.</summary>
    public void Restarted(Exception reason) => LguestTelemetry.DeviceRestarts.Add(1, _device);

    public void Failed(int queue, string reason) => LguestTelemetry.DeviceFailures.Add(1, _device);

    public void FrameSent() => LguestTelemetry.FramesSent.Add(1, _device);

    public void FrameReceived() => LguestTelemetry.FramesReceived.Add(1, _device);

    /// <param name="reason">no_buffer, oversize, backlog or bad_length.</param>
    public void FrameDropped(string reason) => LguestTelemetry.FramesDropped.Add(1, OneMore("reason", reason));

    /// <summary>A block request completed.</summary>
    /// <param name="op">read, write, flush, get_id or other.</param>
    /// <param name="status">ok, ioerr or unsupp.</param>
    /// <param name="dataBytes">The data bytes a successful read or write moved; 0 otherwise.</param>
    public void BlockOperation(string op, string status, long dataBytes)
    {
        LguestTelemetry.BlockOperations.Add(1, _operations.GetOrAdd((op, status), k => [_device[0], _device[1], new("op", k.Op), new("status", k.Status)]));
        if (dataBytes > 0)
        {
            LguestTelemetry.BlockBytes.Add(dataBytes, OneMore("op", op));
        }
    }

    /// <summary>vm, device and one more tag, built once per value.</summary>
    private KeyValuePair<string, object?>[] OneMore(string key, string value) =>
        _oneMore.GetOrAdd((key, value), k => [_device[0], _device[1], new(k.Key, k.Value)]);
}

/// <summary>Two listeners to one device's events, in order.</summary>
internal sealed class BothEvents(IDeviceEvents first, IDeviceEvents second) : IDeviceEvents
{
    public void RequestStarted(int queue, ushort head, long readableBytes, long writableBytes)
    {
        first.RequestStarted(queue, head, readableBytes, writableBytes);
        second.RequestStarted(queue, head, readableBytes, writableBytes);
    }

    public void RequestCompleted(int queue, ushort head, uint writtenBytes)
    {
        first.RequestCompleted(queue, head, writtenBytes);
        second.RequestCompleted(queue, head, writtenBytes);
    }

    public void IrqRaised(int queue, int irq)
    {
        first.IrqRaised(queue, irq);
        second.IrqRaised(queue, irq);
    }

    public void Restarted(Exception reason)
    {
        first.Restarted(reason);
        second.Restarted(reason);
    }

    public void Failed(int queue, string reason)
    {
        first.Failed(queue, reason);
        second.Failed(queue, reason);
    }
}
