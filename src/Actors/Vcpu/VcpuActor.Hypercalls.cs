using Akka.Actor;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Lguest;

namespace LguestActors.Actors.Vcpu;

// The hypercalls the interpreter cannot serve alone (DESIGN §3).
public sealed partial class VcpuActor
{
    /// <summary>A hypercall waits behind an async NOTIFY the launcher is serving; it is served when that is done.</summary>
    private bool _hypercallWaiting;

    /// <summary>
    /// lguest's do_hypercalls: first whatever the guest queued in lguest_data's async ring, then the
    /// call itself. An async NOTIFY that goes to the launcher stops the guest there, as in lguest
    /// (pending_notify); the rest of the ring and the call are served once the launcher is done.
    /// </summary>
    private void ServeHypercall(IGuestCpu cpu)
    {
        var call = cpu.PendingHypercall;
        if (!_hypercallWaiting)
        {
            _stats.CountHypercall(call.Call);
        }
        _hypercallWaiting = false;
        cpu.DrainAsyncHypercalls();
        while (cpu.TryDequeueDeferredHypercall(out var queued))
        {
            _stats.AsyncHypercalls++;
            Serve(cpu, queued, synchronous: false);
            if (_servingNotify || !_running)
            {
                _hypercallWaiting = _running;
                return;
            }
        }
        if (cpu.TryServeLocalHypercall(in call, out uint result))
        {
            cpu.CompleteHypercall(result);
            return;
        }
        Serve(cpu, call, synchronous: true);
    }

    /// <summary>One hypercall the interpreter left to us; an async one (from the ring) has no result to return.</summary>
    private void Serve(IGuestCpu cpu, HypercallRequest call, bool synchronous)
    {
        switch (call.Call)
        {
            case Hypercalls.Notify:
                Complete(cpu, synchronous);
                Notify(call.Arg1);
                break;
            case Hypercalls.Halt:
                Complete(cpu, synchronous);
                Halt(cpu);
                break;
            case Hypercalls.SetClockEvent:
                Complete(cpu, synchronous);
                SetClockEvent(call.Arg1);
                break;
            case Hypercalls.SendInterrupts:
                Complete(cpu, synchronous);
                DeliverPendingIrqs(cpu);
                break;
            case Hypercalls.Shutdown:
                Shutdown(cpu, call);
                break;
            default:
                // lguest's do_hcall: kill_guest(cpu, "Bad hypercall %li").
                Exit(GuestExitKind.GuestFault, $"bad hypercall {call} at EIP 0x{cpu.Eip:x8}");
                break;
        }
    }

    private static void Complete(IGuestCpu cpu, bool synchronous)
    {
        if (synchronous)
        {
            cpu.CompleteHypercall(0);
        }
    }

    /// <summary>
    /// A registered ring address is a kick straight to its device, and the guest runs on (an
    /// eventfd kick in lguest). Anything else is the launcher's to judge, with the guest stopped
    /// until it has (DESIGN §1): the string or status byte it reads is the one the guest wrote
    /// before the NOTIFY, and a device it starts has its kick routes here before the guest can kick.
    /// </summary>
    private void Notify(uint address)
    {
        if (_kicks.TryGetValue(address, out var route))
        {
            route.Device.Tell(route.Kick, Self);
            route.Watchdog?.Kicked(); // work for the device: the watchdog looks until it is done
        }
        else
        {
            _servingNotify = true;
            Context.Parent.Tell(new GuestNotify(address), Self);
        }
    }

    private void Shutdown(IGuestCpu cpu, HypercallRequest call)
    {
        string reason;
        try
        {
            reason = GuestStrings.Decode(GuestStrings.ReadNulTerminated(cpu.Memory, call.Arg1, MaxReasonLength, (ulong)cpu.Memory.Size));
        }
        catch (Cpu.Memory.GuestMemoryException)
        {
            reason = $"(reason string at 0x{call.Arg1:x} is outside guest memory)";
        }
        Exit(GuestExits.OfShutdown(call.Arg2 == Hypercalls.ShutdownRestart, reason), reason);
    }
}
