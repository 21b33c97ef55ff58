namespace LguestActors.Actors.Faults;

/// <summary>
/// The well-defined places in a device's handling of one request where an injected crash may
/// fire. Each is a different recovery path: the request is not yet taken, taken but its side
/// effect not done, done but not returned to the guest, or returned.
/// </summary>
[Flags]
public enum FaultPoint
{
    None = 0,

    /// <summary>The chain was taken from the available ring (it is in flight).</summary>
    AfterTake = 1,

    /// <summary>Just before the backend side effect (console write, frame send, disk write).</summary>
    BeforeSideEffect = 2,

    /// <summary>The side effect is done and recorded, the used entry not yet published.</summary>
    AfterSideEffect = 4,

    /// <summary>Just before the used entry is written.</summary>
    BeforePublish = 8,

    /// <summary>The used entry and used.idx are published (the IRQ not yet raised).</summary>
    AfterPublish = 16,

    All = AfterTake | BeforeSideEffect | AfterSideEffect | BeforePublish | AfterPublish,
}

/// <summary>What a fault link does with one message.</summary>
public enum LinkAction
{
    Deliver,
    Drop,
    Delay,
    Duplicate,
}

/// <summary>What a faulty block backend does with one request.</summary>
public enum BackendFault
{
    None,

    /// <summary>The backend fails the request with an I/O error: the guest must see IOERR.</summary>
    IoError,

    /// <summary>The backend is out of space: the guest must see IOERR on the write.</summary>
    NoSpace,

    /// <summary>The request succeeds after <see cref="FaultPlan.SlowIoDelay"/>.</summary>
    Slow,
}
