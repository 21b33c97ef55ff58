namespace LguestActors.Actors.Devices;

/// <summary>
/// What a kind of device is, declared once in its folder: the name its actors get, the virtio
/// device id the guest matches its driver on, how many queues it has, and which of them the
/// watchdog watches (the queues the guest drives with kicks; a receive queue's buffers wait for
/// host data, legitimately, for ever).
/// </summary>
/// <param name="Name">The child-name stem: console, net, blk, rng.</param>
/// <param name="VirtioId">Virtio device id (1 net, 2 block, 3 console, 4 rng) written into the device page.</param>
/// <param name="QueueCount">Virtqueues, in device-page order.</param>
/// <param name="WatchedQueues">Queues the watchdog checks for progress.</param>
/// <param name="FirstUnnumbered">The first device of the kind is called just <paramref name="Name"/> (console, console1 …) rather than name0.</param>
public sealed record DeviceKind(string Name, byte VirtioId, int QueueCount, IReadOnlyList<int> WatchedQueues, bool FirstUnnumbered = false)
{
    /// <summary>The actor name of the <paramref name="index"/>-th device of this kind in a VM (from 0).</summary>
    public string ChildName(int index) => FirstUnnumbered && index == 0 ? Name : $"{Name}{index}";
}
