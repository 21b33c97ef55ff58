using System.Collections.Concurrent;
using LguestActors.Cpu.Lguest;

namespace LguestActors.Actors.Telemetry;

/// <summary>
/// One VM's side of <see cref="LguestTelemetry"/>: the tag lists built once (vm, and per device,
/// queue, IRQ and hypercall), so that recording on a hot path allocates nothing. The launcher makes
/// one per VM and hands it to the vCPU, the interrupt controller and (through their state) the devices.
/// </summary>
public sealed class VmMetrics
{
    private readonly KeyValuePair<string, object?>[] _vm;
    private readonly KeyValuePair<string, object?>[][] _irqs;
    private readonly KeyValuePair<string, object?>[]?[] _hypercalls = new KeyValuePair<string, object?>[]?[32];
    private readonly ConcurrentDictionary<string, DeviceMetrics> _devices = new(StringComparer.Ordinal);

    /// <param name="vm">The VM's name (the <c>vm</c> tag).</param>
    /// <param name="clock">What request latencies are measured on: the wall clock, or a simulated world's virtual clock.</param>
    /// <param name="requestSpanEvery">One virtqueue request in this many gets a span (when something listens to the activity source); 0: none.</param>
    public VmMetrics(string vm, TimeProvider? clock = null, int requestSpanEvery = DefaultRequestSpanEvery)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentOutOfRangeException.ThrowIfNegative(requestSpanEvery);
        Vm = vm;
        Clock = clock ?? TimeProvider.System;
        RequestSpanEvery = requestSpanEvery;
        _vm = [new("vm", vm)];
        _irqs = Enumerable.Range(0, 32).Select(i => new KeyValuePair<string, object?>[] { new("vm", vm), new("irq", i) }).ToArray();
    }

    /// <summary>One request in 64 traced: enough to see a latency's shape, cheap enough to leave on.</summary>
    public const int DefaultRequestSpanEvery = 64;

    public string Vm { get; }

    public TimeProvider Clock { get; }

    public int RequestSpanEvery { get; }

    /// <summary>The <c>vm</c> tag alone.</summary>
    public ReadOnlySpan<KeyValuePair<string, object?>> VmTag => _vm;

    /// <summary>One slice ran: recorded once per slice, never per instruction.</summary>
    public void Slice(long retired)
    {
        LguestTelemetry.Instructions.Add(retired, _vm);
        LguestTelemetry.Slices.Add(1, _vm);
    }

    public void Hypercall(uint call)
    {
        if (call >= (uint)_hypercalls.Length)
        {
            LguestTelemetry.Hypercalls.Add(1, new KeyValuePair<string, object?>("vm", Vm), new KeyValuePair<string, object?>("hypercall", "unknown"));
            return;
        }
        var tags = _hypercalls[call] ??= [new("vm", Vm), new("hypercall", HypercallName(call))];
        LguestTelemetry.Hypercalls.Add(1, tags);
    }

    public void IrqRaised(int irq)
    {
        if ((uint)irq < (uint)_irqs.Length)
        {
            LguestTelemetry.IrqsRaised.Add(1, _irqs[irq]);
        }
    }

    public void IrqDelivered(int irq)
    {
        if ((uint)irq < (uint)_irqs.Length)
        {
            LguestTelemetry.IrqsDelivered.Add(1, _irqs[irq]);
        }
    }

    /// <summary>The tags of a kick to <paramref name="device"/>'s queue <paramref name="queue"/>, for the vCPU to keep with its kick route.</summary>
    public KeyValuePair<string, object?>[] KickTags(string device, int queue) => Device(device).Queue(queue).Tags;

    /// <summary>The metrics of the device named <paramref name="name"/> (console, net0, blk0…), made on first use.</summary>
    public DeviceMetrics Device(string name) => _devices.GetOrAdd(name, n => new DeviceMetrics(this, n));

    public void Booted() => LguestTelemetry.VmsRunning.Add(1, _vm);

    public void Ended() => LguestTelemetry.VmsRunning.Add(-1, _vm);

    /// <summary>The lguest name of a hypercall (LHCALL_*), lower case, for the <c>hypercall</c> tag.</summary>
    public static string HypercallName(uint call) => call switch
    {
        Hypercalls.FlushAsync => "flush_async",
        Hypercalls.LguestInit => "lguest_init",
        Hypercalls.Shutdown => "shutdown",
        Hypercalls.NewPgtable => "new_pgtable",
        Hypercalls.FlushTlb => "flush_tlb",
        Hypercalls.LoadIdtEntry => "load_idt_entry",
        Hypercalls.SetStack => "set_stack",
        Hypercalls.Ts => "ts",
        Hypercalls.SetClockEvent => "set_clockevent",
        Hypercalls.Halt => "halt",
        Hypercalls.SetPmd => "set_pmd",
        Hypercalls.SetPte => "set_pte",
        Hypercalls.SetPgd => "set_pgd",
        Hypercalls.LoadTls => "load_tls",
        Hypercalls.Notify => "notify",
        Hypercalls.LoadGdtEntry => "load_gdt_entry",
        Hypercalls.SendInterrupts => "send_interrupts",
        _ => "unknown",
    };
}
