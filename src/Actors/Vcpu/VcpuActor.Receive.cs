using Akka.Actor;
using LguestActors.Actors.Interrupts;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu;

namespace LguestActors.Actors.Vcpu;

// The vCPU's mailbox. A switch and not ReceiveActor's Receive<T>: ReceiveActor matches through a
// matcher built from an expression tree, which the published host (no run-time code generation)
// loads System.Linq.Expressions and emits thunks for at start, then runs in the LINQ interpreter
// for every message, Continue included, once per slice (docs/PERFORMANCE.md, start-up). The
// message types are sealed and distinct, so the order of the cases cannot change which one runs.
public sealed partial class VcpuActor
{
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Continue:
                _continuePosted = false;
                RunSlice();
                break;
            case IrqPending:
                OnIrqPending();
                break;
            case ClockEvent:
                OnClockEvent();
                break;
            case Break b:
                _parked = b.On;
                ScheduleSlice();
                break;
            case NotifyServed:
                OnNotifyServed();
                break;
            case RegisterKick r:
                _kicks[r.RingAddress] = (r.Device, r.Kick, r.Watchdog, _metrics?.KickTags(DeviceName(r.Device), r.Kick.Queue));
                break;
            case UnregisterKicks u:
                OnUnregisterKicks(u);
                break;
            case Initialize init:
                OnInitialize(init);
                break;
            case GetVcpuStatus:
                Sender.Tell(new VcpuStatus(_running, _halted, _parked, _servingNotify, _slices)
                {
                    Engine = (_cpu as InterpreterCpu)?.Engine,
                    Compiled = (_cpu as InterpreterCpu)?.CompiledStats,
                });
                break;
            case GetVcpuStats:
                Sender.Tell(_stats.Snapshot((ulong)_retired));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnNotifyServed()
    {
        _servingNotify = false;
        if (_hypercallWaiting && _cpu is not null)
        {
            ServeHypercall(_cpu);
        }
        ScheduleSlice();
    }

    private void OnUnregisterKicks(UnregisterKicks u)
    {
        foreach (var address in _kicks.Where(k => k.Value.Device.Equals(u.Device)).Select(k => k.Key).ToList())
        {
            _kicks.Remove(address);
        }
    }
}
