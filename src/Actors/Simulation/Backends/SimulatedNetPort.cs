using Akka.Actor;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Actors.Simulation.Backends;

/// <summary>
/// A net device's port to the host's network (a TAP interface, <c>--net=tap:IFNAME</c>) inside a
/// simulated world. Frames from the host are external inputs: the host's session driver hands each
/// one in with <see cref="Deliver"/> at a step boundary (recorded, or taken from a recording), so
/// they enter the world the way typed console bytes do and never from another thread. Frames the
/// guest sends go into the run digest and then to <c>outgoing</c> (the real TAP while recording;
/// nowhere in a replay, where the digest alone says what the guest sent).
/// </summary>
public sealed class SimulatedNetPort : INetBackend
{
    private readonly SimulationWorld _world;
    private readonly Action<byte[]>? _outgoing;
    private readonly Queue<byte[]> _early = new();
    private IActorRef? _device;
    private NetInbox? _inbox;
    private bool _stopped;

    /// <param name="world">The world it belongs to.</param>
    /// <param name="name">What the digest and a recording call it: the interface name (tap0).</param>
    /// <param name="outgoing">Where the guest's frames go after the digest (called on the simulation thread; must not block), or nowhere.</param>
    public SimulatedNetPort(SimulationWorld world, string name, Action<byte[]>? outgoing = null)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentException.ThrowIfNullOrEmpty(name);
        _world = world;
        Name = name;
        _outgoing = outgoing;
    }

    public string Name { get; }

    /// <summary>
    /// Frames from the host that no device took: past <see cref="NetInbox.DefaultBound"/> waiting
    /// before the guest's device started, or after it stopped (a host interface drops them too).
    /// Counted here; frames the device's own inbox refuses are counted there.
    /// </summary>
    public long Dropped { get; private set; }

    /// <summary>Frames the guest sent (each also a digest event).</summary>
    public long Sent { get; private set; }

    public void Start(IActorRef device, MacAddress mac, NetInbox inbox)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(inbox);
        _device = device;
        _inbox = inbox;
        // Frames that came before the device was up wait for it, as they would in the TAP's own queue.
        while (_early.TryDequeue(out var frame))
        {
            Hand(frame);
        }
    }

    /// <summary>A frame from the host, now: on the simulation thread or with the world standing still (a step boundary).</summary>
    public void Deliver(byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_stopped)
        {
            Dropped++;
        }
        else if (_device is null)
        {
            if (_early.Count < NetInbox.DefaultBound)
            {
                _early.Enqueue(frame);
            }
            else
            {
                Dropped++;
            }
        }
        else
        {
            Hand(frame);
        }
    }

    public void Send(IActorRef device, byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        // A frame to a TAP is no message of the world, so it is a guest-visible event of its own.
        _world.Engine.Digest.Event(_world.Engine.Now, $"{Name}:out", frame.Length, frame);
        Sent++;
        _outgoing?.Invoke(frame);
    }

    public void Stop(IActorRef device) => _stopped = true;

    private void Hand(byte[] frame) => _inbox!.TryDeliver(_device!, frame);
}
