namespace LguestActors.Actors.Faults;

/// <summary>
/// A crash the fault plan asked for. It is an ordinary exception to the supervisor (restart, with
/// the queue state kept), and is logged at Debug instead of Error because it was wanted.
/// </summary>
public sealed class InjectedFaultException : Exception
{
    public InjectedFaultException()
        : this("injected fault")
    {
    }

    public InjectedFaultException(string message)
        : base(message)
    {
    }

    public InjectedFaultException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
