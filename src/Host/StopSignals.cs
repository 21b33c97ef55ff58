using System.Runtime.InteropServices;

namespace LguestActors.Host;

/// <summary>The signals that stop the VM gracefully; the value is the POSIX signal number (exit code 128 + it).</summary>
internal enum StopSignal
{
    Hangup = 1,
    Interrupt = 2,
    Terminate = 15,
}

/// <summary>Where stop requests come from: the process's signals, or a test.</summary>
internal interface IStopSignals
{
    /// <summary>Calls <paramref name="onSignal"/> on the first stop signal, until the registration is disposed.</summary>
    IDisposable Register(Action<StopSignal> onSignal);
}

/// <summary>
/// SIGINT, SIGTERM and SIGHUP. The first one is taken over (the VM is stopped gracefully and the
/// terminal restored); a second one is left to the default action, so a host stuck in shutdown can
/// still be killed from the keyboard.
/// </summary>
internal sealed class PosixStopSignals : IStopSignals
{
    public IDisposable Register(Action<StopSignal> onSignal)
    {
        ArgumentNullException.ThrowIfNull(onSignal);
        int seen = 0;
        var registrations = new List<PosixSignalRegistration>();
        foreach ((PosixSignal posix, StopSignal stop) in new[]
                 {
                     (PosixSignal.SIGINT, StopSignal.Interrupt),
                     (PosixSignal.SIGTERM, StopSignal.Terminate),
                     (PosixSignal.SIGHUP, StopSignal.Hangup),
                 })
        {
            registrations.Add(PosixSignalRegistration.Create(posix, context =>
            {
                if (Interlocked.Exchange(ref seen, 1) == 0)
                {
                    context.Cancel = true;
                    onSignal(stop);
                }
            }));
        }
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}
