using System.Collections.Concurrent;
using System.Threading.Channels;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Memory;

namespace LguestActors.Testing;

/// <summary>
/// A guest CPU that plays a script instead of running code: each Run takes the next step
/// (a hypercall, HLT, a fault, a spent budget); with the script empty it halts. It records the
/// IRQs the vCPU delivers, applying lguest's rules over lguest_data unless <see cref="DeliveryRule"/>
/// says otherwise, so the vCPU
/// actor's hypercall, IRQ, HALT and Break handling is testable without the interpreter.
/// </summary>
public sealed class ScriptedCpu : IGuestCpu
{
    private readonly ConcurrentQueue<Func<ScriptedCpu, ExitReason>> _script = new();
    private readonly Channel<int> _delivered = Channel.CreateUnbounded<int>();
    private readonly ConcurrentQueue<uint> _results = new();
    private readonly Queue<HypercallRequest> _deferred = new();
    private readonly TaskCompletionSource _firstRun = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ScriptedCpu(GuestMemory memory)
    {
        Memory = memory;
    }

    public GuestMemory Memory { get; }

    public uint Eip { get; set; }

    public uint Esi { get; set; }

    public uint Eflags { get; set; }

    public uint Cr3 { get; private set; }

    public uint LguestDataAddress { get; set; }

    public HypercallRequest PendingHypercall { get; private set; }

    public GuestFault? Fault { get; private set; }

    public ITscSource Tsc { get; set; } = RetiredInstructionTsc.Instance;

    /// <summary>Async hypercalls the guest "queued": the next DrainAsyncHypercalls hands them to the vCPU.</summary>
    public ConcurrentQueue<HypercallRequest> AsyncRing { get; } = new();

    /// <summary>How many times the vCPU drained the async ring.</summary>
    public int Drains { get; private set; }

    /// <summary>How TryDeliverIrq answers; Delivered when null.</summary>
    public Func<int, IrqDelivery>? DeliveryRule { get; set; }

    /// <summary>Hypercall results the vCPU wrote back, in order.</summary>
    public IReadOnlyCollection<uint> Results => _results;

    public int Runs { get; private set; }

    /// <summary>The budget of the last <see cref="Run"/>: the vCPU's slice.</summary>
    public long LastBudget { get; private set; }

    /// <summary>The name of the thread the vCPU ran the last slice on.</summary>
    public string? RunThreadName { get; private set; }

    /// <summary>The managed id of the thread the vCPU ran the last slice on (pinned threads share a name).</summary>
    public int RunThreadId { get; private set; }

    /// <summary>Whether the last slice ran on a thread-pool thread.</summary>
    public bool RanOnPoolThread { get; private set; }

    /// <summary>Completes at the first <see cref="Run"/>.</summary>
    public Task FirstRun => _firstRun.Task;

    public ScriptedCpu Hypercall(uint call, uint arg1 = 0, uint arg2 = 0, uint arg3 = 0, uint arg4 = 0)
    {
        _script.Enqueue(cpu =>
        {
            cpu.PendingHypercall = new HypercallRequest(call, arg1, arg2, arg3, arg4);
            return ExitReason.Hypercall;
        });
        return this;
    }

    /// <summary>The guest's sti: irq_enabled = 0x200 in lguest_data (one slice).</summary>
    public ScriptedCpu Sti()
    {
        _script.Enqueue(cpu =>
        {
            cpu.Memory.WriteU32(cpu.LguestDataAddress + LguestDataLayout.IrqEnabled, LguestDataLayout.InterruptsOn);
            return ExitReason.BudgetSpent;
        });
        return this;
    }

    public ScriptedCpu Hlt()
    {
        _script.Enqueue(_ => ExitReason.Halt);
        return this;
    }

    /// <summary>A slice that ends with the guest spin-waiting on PAUSE.</summary>
    public ScriptedCpu Pause()
    {
        _script.Enqueue(_ => ExitReason.Pause);
        return this;
    }

    /// <summary>A slice in which the "guest" does <paramref name="action"/> (reads or writes its memory, say).</summary>
    public ScriptedCpu Then(Action<ScriptedCpu> action)
    {
        _script.Enqueue(cpu =>
        {
            action(cpu);
            return ExitReason.BudgetSpent;
        });
        return this;
    }

    public ScriptedCpu Spin(int slices = 1)
    {
        for (int i = 0; i < slices; i++)
        {
            _script.Enqueue(_ => ExitReason.BudgetSpent);
        }
        return this;
    }

    public ScriptedCpu Crash(string reason)
    {
        _script.Enqueue(cpu =>
        {
            cpu.Fault = new GuestFault(reason, cpu.Eip, "0f 0b", "ud2", "eax=0");
            return ExitReason.Fault;
        });
        return this;
    }

    public void LoadCr3(uint pgdir) => Cr3 = pgdir;

    public RunExit Run(long budget)
    {
        Runs++;
        LastBudget = budget;
        RunThreadName = Thread.CurrentThread.Name;
        RunThreadId = Environment.CurrentManagedThreadId;
        RanOnPoolThread = Thread.CurrentThread.IsThreadPoolThread;
        _firstRun.TrySetResult();
        return _script.TryDequeue(out var step) ? new RunExit(step(this), 1) : new RunExit(ExitReason.Halt, 0);
    }

    public void CompleteHypercall(uint result) => _results.Enqueue(result);

    /// <summary>Serves LGUEST_INIT (remembers lguest_data) like the interpreter; leaves the rest to the actor.</summary>
    public bool TryServeLocalHypercall(in HypercallRequest call, out uint result)
    {
        result = 0;
        if (call.Call == Hypercalls.LguestInit)
        {
            LguestDataAddress = call.Arg1;
            return true;
        }
        return false;
    }

    public void DrainAsyncHypercalls()
    {
        Drains++;
        while (AsyncRing.TryDequeue(out var call))
        {
            _deferred.Enqueue(call);
        }
    }

    public bool TryDequeueDeferredHypercall(out HypercallRequest call) => _deferred.TryDequeue(out call);

    public IrqDelivery TryDeliverIrq(int irq)
    {
        var outcome = DeliveryRule?.Invoke(irq) ?? LguestRules(irq);
        if (outcome == IrqDelivery.Delivered)
        {
            _delivered.Writer.TryWrite(irq);
        }
        return outcome;
    }

    /// <summary>
    /// lguest's delivery rules over lguest_data, as the interpreter applies them: nothing before
    /// LGUEST_INIT, masked IRQs blocked, none while irq_enabled is off (irq_pending is set then),
    /// and delivery through an interrupt gate turns irq_enabled off.
    /// </summary>
    private IrqDelivery LguestRules(int irq)
    {
        uint data = LguestDataAddress;
        if (data == 0)
        {
            return IrqDelivery.Disabled;
        }
        if ((Memory.ReadU32(data + LguestDataLayout.BlockedInterrupts) & (1u << irq)) != 0)
        {
            return IrqDelivery.Blocked;
        }
        if ((Memory.ReadU32(data + LguestDataLayout.IrqEnabled) & LguestDataLayout.InterruptsOn) == 0)
        {
            Memory.WriteU32(data + LguestDataLayout.IrqPending, LguestDataLayout.InterruptsOn);
            return IrqDelivery.Disabled;
        }
        Memory.WriteU32(data + LguestDataLayout.IrqEnabled, 0);
        return IrqDelivery.Delivered;
    }

    /// <summary>The next IRQ the vCPU delivered; throws TimeoutException if none within <paramref name="timeout"/>.</summary>
    public async Task<int> NextDeliveredIrqAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _delivered.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no IRQ was delivered within {timeout}");
        }
    }

    /// <summary>True (and consumes it) if an IRQ delivery is already recorded.</summary>
    public bool TryTakeDeliveredIrq(out int irq) => _delivered.Reader.TryRead(out irq);
}
