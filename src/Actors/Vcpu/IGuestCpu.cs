using LguestActors.Cpu;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Memory;
using Interpreter = LguestActors.Cpu.Cpu;

namespace LguestActors.Actors.Vcpu;

/// <summary>
/// The slice of the interpreter's API the vCPU actor drives. The real one is
/// <see cref="InterpreterCpu"/> around <see cref="Interpreter"/>; tests substitute a scripted
/// guest so that the actor's hypercall, IRQ and Break handling is testable without guest code.
/// </summary>
public interface IGuestCpu
{
    GuestMemory Memory { get; }

    uint Eip { get; set; }

    uint Esi { get; set; }

    uint Eflags { get; set; }

    /// <summary>Physical address of lguest_data after LGUEST_INIT; 0 before.</summary>
    uint LguestDataAddress { get; }

    HypercallRequest PendingHypercall { get; }

    GuestFault? Fault { get; }

    /// <summary>What RDTSC reads and lguest_data.tsc_khz announces (the vCPU sets its clock here).</summary>
    ITscSource Tsc { get; set; }

    void LoadCr3(uint pgdir);

    RunExit Run(long budget);

    void CompleteHypercall(uint result);

    bool TryServeLocalHypercall(in HypercallRequest call, out uint result);

    IrqDelivery TryDeliverIrq(int irq);

    /// <summary>Runs the guest's async hypercall ring (lguest's do_async_hcalls); see <see cref="TryDequeueDeferredHypercall"/>.</summary>
    void DrainAsyncHypercalls();

    /// <summary>The next async hypercall the ring left for the owner (NOTIFY, SET_CLOCKEVENT, ...), in ring order.</summary>
    bool TryDequeueDeferredHypercall(out HypercallRequest call);
}

/// <summary>The real vCPU (<see cref="Interpreter"/>, on either of its engines), as the vCPU actor sees it.</summary>
public sealed class InterpreterCpu : IGuestCpu
{
    private readonly Interpreter _cpu;

    /// <param name="engine">Interpreted, or hot code compiled to IL; the guest sees no difference.</param>
    /// <param name="compiler">The compiled engine's options (null: its defaults).</param>
    public InterpreterCpu(GuestMemory memory, CpuEngine engine = CpuEngine.Interpreter, CompilerOptions? compiler = null)
    {
        _cpu = new Interpreter(memory) { CompilerOptions = compiler ?? new CompilerOptions(), Engine = engine };
    }

    public CpuEngine Engine => _cpu.Engine;

    /// <summary>What the compiled engine has done (regions, compile time); all zero under the interpreter.</summary>
    public CompiledCodeStats CompiledStats => _cpu.CompiledStats;

    /// <summary>The interpreter itself, for knobs the actor does not need (benchmarks).</summary>
    public Interpreter Interpreter => _cpu;

    public GuestMemory Memory => _cpu.Memory;

    public uint Eip { get => _cpu.Eip; set => _cpu.Eip = value; }

    public uint Esi { get => _cpu.Esi; set => _cpu.Esi = value; }

    public uint Eflags { get => _cpu.Eflags; set => _cpu.Eflags = value; }

    public uint LguestDataAddress => _cpu.LguestDataAddress;

    public HypercallRequest PendingHypercall => _cpu.PendingHypercall;

    public GuestFault? Fault => _cpu.Fault;

    public ITscSource Tsc { get => _cpu.Tsc; set => _cpu.Tsc = value; }

    public void LoadCr3(uint pgdir) => _cpu.LoadCr3(pgdir);

    public RunExit Run(long budget) => _cpu.Run(budget);

    public void CompleteHypercall(uint result) => _cpu.CompleteHypercall(result);

    public bool TryServeLocalHypercall(in HypercallRequest call, out uint result) => _cpu.TryServeLocalHypercall(in call, out result);

    public IrqDelivery TryDeliverIrq(int irq) => _cpu.TryDeliverIrq(irq);

    public void DrainAsyncHypercalls() => _cpu.DrainAsyncHypercalls();

    public bool TryDequeueDeferredHypercall(out HypercallRequest call) => _cpu.TryDequeueDeferredHypercall(out call);
}
