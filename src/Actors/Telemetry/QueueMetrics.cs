using System.Diagnostics;

namespace LguestActors.Actors.Telemetry;

/// <summary>
/// One virtqueue's side of <see cref="LguestTelemetry"/> (tags vm, device, queue): requests, bytes
/// each way, the latency from taking a chain to publishing its used entry, and one span in
/// <see cref="VmMetrics.RequestSpanEvery"/> requests. It lives in the queue's restart-surviving
/// state, so a chain taken before a device restart and published after it is timed whole.
/// Touched by the one actor that drives the queue, like the state it sits in.
/// </summary>
public sealed class QueueMetrics
{
    private readonly DeviceMetrics _device;
    private readonly TimeProvider _clock;
    private long[] _takenAt = new long[256];
    private long[] _readable = new long[256];
    private bool[] _timed = new bool[256];
    private long _sampled;

    internal QueueMetrics(DeviceMetrics device, int index)
    {
        _device = device;
        _clock = device.VmMetrics.Clock;
        Index = index;
        Tags = [new("vm", device.VmMetrics.Vm), new("device", device.Name), new("queue", index)];
    }

    public int Index { get; }

    /// <summary>vm, device, queue.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>A chain was taken off the available ring; <paramref name="readableBytes"/> is what the guest gave the device in it.</summary>
    public void Taken(ushort head, long readableBytes)
    {
        if (head >= _takenAt.Length)
        {
            int size = Math.Max(head + 1, _takenAt.Length * 2);
            Array.Resize(ref _takenAt, size);
            Array.Resize(ref _readable, size);
            Array.Resize(ref _timed, size);
        }
        _timed[head] = true;
        _takenAt[head] = _clock.GetTimestamp();
        _readable[head] = readableBytes;
    }

    /// <summary>The used entry for <paramref name="head"/> is published, <paramref name="written"/> bytes written into it.</summary>
    public void Completed(ushort head, uint written)
    {
        LguestTelemetry.Requests.Add(1, Tags);
        LguestTelemetry.BytesToGuest.Add(written, Tags);
        if (head >= _timed.Length || !_timed[head])
        {
            return; // taken before metrics were attached: counted, not timed
        }
        _timed[head] = false;
        long taken = _takenAt[head];
        LguestTelemetry.BytesToDevice.Add(_readable[head], Tags);
        var elapsed = _clock.GetElapsedTime(taken);
        LguestTelemetry.RequestLatency.Record(elapsed.TotalMilliseconds, Tags);
        int every = _device.VmMetrics.RequestSpanEvery;
        if (every > 0 && LguestTelemetry.Source.HasListeners() && _sampled++ % every == 0)
        {
            Span(head, elapsed, written);
        }
    }

    /// <summary>
    /// The request as a span, made when it is over with its start set back: nothing is left
    /// open (or in Activity.Current) on an actor thread between messages.
    /// </summary>
    private void Span(ushort head, TimeSpan elapsed, uint written)
    {
        var end = _clock.GetUtcNow();
        using var activity = LguestTelemetry.Source.StartActivity("virtqueue request", ActivityKind.Internal, default(ActivityContext), Tags, startTime: end - elapsed);
        if (activity is null)
        {
            return;
        }
        activity.SetTag("head", (int)head);
        activity.SetTag("bytes_read", _readable[head]);
        activity.SetTag("bytes_written", (long)written);
        activity.SetEndTime(end.UtcDateTime);
    }
}
