using Akka.Actor;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Lguest;

namespace LguestActors.Actors.Vcpu;

// The hypercalls the interpreter cannot serve alone (DESIGN §3).
public sealed partial class VcpuActor
{
    private void ServeHypercall(IGuestCpu cpu)
    {
        var call = cpu.PendingHypercall;
        _metrics?.Hypercall(call.Call);
        if (cpu.TryServeLocalHypercall(in call, out uint result))
        {
            cpu.CompleteHypercall(result);
            return;
        }
        switch (call.Call)
        {
            case Hypercalls.Notify:
                cpu.CompleteHypercall(0);
                Notify(call.Arg1);
                break;
            case Hypercalls.Halt:
                cpu.CompleteHypercall(0);
                Halt(cpu);
                break;
            case Hypercalls.SetClockEvent:
                cpu.CompleteHypercall(0);
                SetClockEvent(call.Arg1);
                break;
            case Hypercalls.SendInterrupts:
                cpu.CompleteHypercall(0);
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
            if (route.Tags is not null)
            {
                Telemetry.LguestTelemetry.Kicks.Add(1, route.Tags);
            }
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
        var kind = call.Arg2 == Hypercalls.ShutdownRestart ? GuestExitKind.Restart : GuestExitKind.PowerOff;
        string reason;
        try
        {
            reason = GuestStrings.Decode(GuestStrings.ReadNulTerminated(cpu.Memory, call.Arg1, MaxReasonLength, (ulong)cpu.Memory.Size));
        }
        catch (Cpu.Memory.GuestMemoryException)
        {
            reason = $"(reason string at 0x{call.Arg1:x} is outside guest memory)";
        }
        Exit(kind, reason);
    }
}
