using System.Text;
using LguestActors.Cpu.Lguest;

namespace LguestActors.Cpu.Loader;

/// <summary>
/// The host side of <see cref="StandaloneGuest"/>: no devices and no timer; it serves the
/// CPU-local hypercalls, prints NOTIFY text, and ends at SHUTDOWN, a fault, a halt or the
/// instruction limit. Deterministic, so the lockstep checker can run two side by side.
/// </summary>
public sealed class StandaloneMachine : IGuestMachine
{
    private readonly StandaloneOptions _options;
    private readonly StringBuilder _console = new();
    private long _executed;

    public StandaloneMachine(Cpu cpu, StandaloneOptions options)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        ArgumentNullException.ThrowIfNull(options);
        Cpu = cpu;
        _options = options;
    }

    public Cpu Cpu { get; }

    /// <summary>How the run ended; null while it goes on.</summary>
    public StandaloneResult? Result { get; private set; }

    public bool TryBeginSlice(out long budget)
    {
        budget = 0;
        if (Result is not null)
        {
            return false;
        }
        long left = _options.InstructionLimit - _executed;
        if (left <= 0)
        {
            Stop(StandaloneOutcome.InstructionLimit, $"instruction limit {_options.InstructionLimit} reached at EIP 0x{Cpu.Eip:x8}");
            return false;
        }
        budget = Math.Min(_options.Slice, left);
        return true;
    }

    public void EndSlice(RunExit exit)
    {
        _executed += exit.Executed;
        switch (exit.Reason)
        {
            case ExitReason.BudgetSpent or ExitReason.Pause:
                return; // no devices here to give the CPU to
            case ExitReason.Fault:
                Stop(StandaloneOutcome.Fault, Cpu.Fault?.ToString() ?? $"fault at EIP 0x{Cpu.Eip:x8}");
                return;
            case ExitReason.Halt:
                Stop(StandaloneOutcome.Halted, $"guest executed HLT at EIP 0x{Cpu.Eip:x8} with nothing to wake it");
                return;
            case ExitReason.Hypercall:
                ServeHypercall(Cpu.PendingHypercall);
                return;
            default:
                Stop(StandaloneOutcome.Fault, $"unknown exit reason {exit.Reason}");
                return;
        }
    }

    private void ServeHypercall(HypercallRequest call)
    {
        switch (call.Call)
        {
            case Hypercalls.Shutdown:
                if (!StandaloneGuest.TryReadString(Cpu.Memory, call.Arg1, out string reason))
                {
                    Stop(StandaloneOutcome.BadHypercall, $"SHUTDOWN reason address 0x{call.Arg1:x8} is outside guest memory");
                    return;
                }
                Stop(StandaloneOutcome.Shutdown, null, reason, call.Arg2);
                return;
            case Hypercalls.Notify:
                // No device page here: every NOTIFY inside RAM is early-console text (DESIGN §1).
                if (!StandaloneGuest.TryReadString(Cpu.Memory, call.Arg1, out string text))
                {
                    Stop(StandaloneOutcome.BadHypercall, $"NOTIFY address 0x{call.Arg1:x8} is outside guest memory");
                    return;
                }
                _console.Append(text);
                _options.Console?.Invoke(text);
                Cpu.CompleteHypercall(0);
                return;
            case Hypercalls.Halt:
                Stop(StandaloneOutcome.Halted, $"guest made the HALT hypercall at EIP 0x{Cpu.Eip:x8} with no timer or device to wake it");
                return;
            case Hypercalls.SetClockEvent:
            case Hypercalls.SendInterrupts:
                // No timer and no interrupt sources: nothing to arm or deliver.
                Cpu.CompleteHypercall(0);
                return;
            default:
                if (!Cpu.TryServeLocalHypercall(in call, out uint result))
                {
                    Stop(StandaloneOutcome.BadHypercall, $"hypercall {call} is not served by the standalone runner");
                    return;
                }
                Cpu.CompleteHypercall(result);
                return;
        }
    }

    private void Stop(StandaloneOutcome outcome, string? diagnostic, string? reason = null, uint how = 0) =>
        Result = new StandaloneResult(outcome, reason, how, _console.ToString(), Cpu.Retired, diagnostic) { Compiled = Cpu.CompiledStats };
}
