using Akka.Actor;

namespace LguestActors.Actors.Devices;

/// <summary>
/// One device of a VM's configuration. Each kind lives in its own folder and says there, once,
/// what it is (<see cref="Kind"/>), what it offers the guest (features, config space) and how its
/// actor is made; the launcher knows no kind by name (DESIGN §4).
/// </summary>
public abstract record DeviceConfig
{
    /// <summary>The kind: name, virtio id, queues, watched queues.</summary>
    public abstract DeviceKind Kind { get; }

    /// <summary>The feature bytes offered in the device page (feature_len is their length).</summary>
    public abstract byte[] OfferedFeatures();

    /// <summary>The device's config space in the device page, for rings of <paramref name="ringSize"/> entries; empty by default.</summary>
    public virtual byte[] ConfigSpace(ushort ringSize) => [];

    /// <summary>
    /// The device actor's Props. Device-specific state that must survive the actor's restarts is
    /// created here, once, and captured in the Props, beside <see cref="DeviceContext.Virtio"/>.
    /// </summary>
    public abstract Props CreateProps(DeviceContext context);
}
