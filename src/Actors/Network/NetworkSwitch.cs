using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Net;

namespace LguestActors.Actors.Network;

/// <summary>
/// A learning layer-2 switch (lguest's --sharenet, as an actor; DESIGN §4: /user/lan-NAME). Each
/// port is an actor (a NetDevice) that attached with <see cref="AttachPort"/>. A frame's source MAC
/// is learned on its port; a frame to a learned unicast MAC goes to that port only, anything else
/// (broadcast, multicast, unknown) is flooded to every other port. Delivery goes through each
/// port's <see cref="NetInbox"/>, so a slow guest drops (counted per port) and never slows the rest.
/// </summary>
public sealed class NetworkSwitch : UntypedActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _name;
    private readonly Dictionary<IActorRef, Port> _ports = [];
    private readonly Dictionary<MacAddress, Port> _macs = [];
    private readonly List<Port> _batched = [];
    private int _nextPort;
    private long _unknownSenderFrames;

    public NetworkSwitch(string name)
    {
        _name = name;
    }

    public const string ActorPrefix = "lan-";

    public static Props Props(string name) => ActorProps.Of(() => new NetworkSwitch(name));

    // A switch, not ReceiveActor's Receive<T>: the published host interprets ReceiveActor's
    // expression-tree matcher on every message and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case SwitchFrame frame:
                OnFrame(frame);
                break;
            case SwitchFrames frames:
                OnFrames(frames);
                break;
            case AttachPort attach:
                OnAttach(attach);
                break;
            case DetachPort:
                Remove(Sender, "detached");
                break;
            case Terminated t:
                Remove(t.ActorRef, "stopped");
                break;
            case GetSwitchStats:
                Sender.Tell(Stats());
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnAttach(AttachPort attach)
    {
        if (_ports.TryGetValue(Sender, out var existing))
        {
            Sender.Tell(new PortAttached(existing.Number, existing.Name));
            return;
        }
        var port = new Port(_nextPort++, attach.Name, Sender, attach.Inbox);
        _ports.Add(Sender, port);
        Context.Watch(Sender);
        _log.Info("switch {0}: port {1} is {2}", _name, port.Number, port.Name);
        Sender.Tell(new PortAttached(port.Number, port.Name));
    }

    private void Remove(IActorRef device, string why)
    {
        if (!_ports.Remove(device, out var port))
        {
            return;
        }
        Context.Unwatch(device);
        foreach (var mac in _macs.Where(m => ReferenceEquals(m.Value, port)).Select(m => m.Key).ToList())
        {
            _macs.Remove(mac);
        }
        _log.Info("switch {0}: port {1} ({2}) {3}", _name, port.Number, port.Name, why);
    }

    private void OnFrame(SwitchFrame message)
    {
        if (FromPort() is { } from)
        {
            Route(from, message.Frame);
            Flush();
        }
    }

    /// <summary>A burst: routed frame by frame, then one message per port that got any (in order).</summary>
    private void OnFrames(SwitchFrames message)
    {
        if (FromPort() is { } from)
        {
            foreach (var frame in message.Frames)
            {
                Route(from, frame);
            }
            Flush();
        }
    }

    private Port? FromPort()
    {
        if (_ports.TryGetValue(Sender, out var from))
        {
            return from;
        }
        if (_unknownSenderFrames++ == 0)
        {
            _log.Warning("switch {0}: frame from {1}, which is not a port; dropped (further ones counted)", _name, Sender.Path);
        }
        return null;
    }

    private void Route(Port from, byte[] frame)
    {
        from.RxFrames++;
        from.RxBytes += frame.Length;
        if (frame.Length < EthernetFrame.HeaderSize)
        {
            return;
        }
        var source = EthernetFrame.Source(frame);
        if (!source.IsGroup)
        {
            _macs[source] = from;
        }
        var destination = EthernetFrame.Destination(frame);
        if (!destination.IsGroup && _macs.TryGetValue(destination, out var to))
        {
            if (!ReferenceEquals(to, from))
            {
                Queue(to, frame);
            }
            return;
        }
        foreach (var port in _ports.Values)
        {
            if (!ReferenceEquals(port, from))
            {
                Queue(port, frame);
            }
        }
    }

    private void Queue(Port port, byte[] frame)
    {
        if (port.Enqueue(frame))
        {
            _batched.Add(port);
        }
    }

    private void Flush()
    {
        foreach (var port in _batched)
        {
            port.Deliver();
        }
        _batched.Clear();
    }

    private SwitchStats Stats() => new(
        _name,
        _ports.Values.OrderBy(p => p.Number).Select(p => new SwitchPortStats(p.Number, p.Name, p.RxFrames, p.RxBytes, p.TxFrames, p.TxBytes, p.TxDropped)).ToList(),
        _macs.ToDictionary(m => m.Key, m => m.Value.Number),
        _unknownSenderFrames);

    private sealed class Port(int number, string name, IActorRef device, NetInbox inbox)
    {
        private List<byte[]>? _pending;

        public int Number { get; } = number;

        public string Name { get; } = name;

        public long RxFrames { get; set; }

        public long RxBytes { get; set; }

        public long TxFrames { get; private set; }

        public long TxBytes { get; private set; }

        public long TxDropped { get; private set; }

        /// <summary>Adds a frame to this turn's batch; true when it is the batch's first.</summary>
        public bool Enqueue(byte[] frame)
        {
            _pending ??= [];
            _pending.Add(frame);
            return _pending.Count == 1;
        }

        /// <summary>
        /// Sends this turn's batch in one message. The frame arrays are shared by every port they
        /// flood to, and the list goes with the message: nobody writes either after sending.
        /// </summary>
        public void Deliver()
        {
            var batch = _pending;
            _pending = null;
            if (batch is null)
            {
                return;
            }
            int sent = inbox.TryDeliverMany(device, batch);
            for (int i = 0; i < batch.Count; i++)
            {
                if (i < sent)
                {
                    TxFrames++;
                    TxBytes += batch[i].Length;
                }
                else
                {
                    TxDropped++;
                }
            }
        }
    }
}
