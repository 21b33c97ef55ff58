using Akka.Actor;
using LguestActors.Actors.Devices.Net;

namespace LguestActors.Host.Simulation;

/// <summary>
/// A real host interface (<c>--net=tap:IFNAME</c>, opened by <see cref="HostEnvironment.OpenTap"/>)
/// behind a simulated world while recording. The interface's backend is started on a stand-in for
/// the device, so the frames its reader thread receives go to the session driver's inbox, not into
/// the world: they enter at the next step boundary, stamped and recorded like typed keys. The
/// guest's frames, already in the digest, are written to the interface from the simulation thread.
/// </summary>
internal sealed class HostTapLink : IDisposable
{
    private readonly INetBackend _tap;
    private readonly FrameCatcher _catcher;

    // The driver bounds what waits for a boundary: this inbox only passes frames on (the catcher takes each at once).
    private readonly NetInbox _passOn = new();

    public HostTapLink(string name, INetBackend tap, SessionDriver driver, ActorSystem world)
    {
        ArgumentNullException.ThrowIfNull(world);
        Name = name;
        _tap = tap;
        _catcher = new FrameCatcher(name, driver, _passOn, ((ExtendedActorSystem)world).Provider);
    }

    public string Name { get; }

    /// <summary>Starts taking frames from the interface (the MAC is the guest's, as the device would give it).</summary>
    public void Start(MacAddress mac) => _tap.Start(_catcher, mac, _passOn);

    /// <summary>A frame the guest sent: to the interface (on the simulation thread; the backend never blocks).</summary>
    public void Send(byte[] frame) => _tap.Send(_catcher, frame);

    public void Dispose()
    {
        _tap.Stop(_catcher);
        (_tap as IDisposable)?.Dispose();
    }

    /// <summary>
    /// Stands in for the net device towards the interface's backend: what the backend would tell
    /// the device (<see cref="NetFrameIn"/>, <see cref="NetFramesIn"/>) goes to the driver instead.
    /// </summary>
    private sealed class FrameCatcher(string name, SessionDriver driver, NetInbox passOn, IActorRefProvider provider) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "host")) / "tap" / name;

        public override IActorRefProvider Provider { get; } = provider;

        protected override void TellInternal(object message, IActorRef sender)
        {
            switch (message)
            {
                case NetFrameIn one:
                    passOn.Taken();
                    driver.PostFrame(name, one.Frame);
                    break;
                case NetFramesIn many:
                    passOn.Taken(many.Frames.Count);
                    foreach (var frame in many.Frames)
                    {
                        driver.PostFrame(name, frame);
                    }
                    break;
            }
        }
    }
}
