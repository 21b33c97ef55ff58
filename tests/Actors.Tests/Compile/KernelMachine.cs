using System.Text;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Launcher.Boot;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Loader;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Tests.Compile;

/// <summary>
/// The sample kernel on a deterministic host, for the lockstep checker: the launcher's boot
/// (<see cref="GuestSupervisor"/>'s phases: RAM, kernel, boot params, device page, page tables),
/// one virtio console served when kicked (the <see cref="VirtQueue"/> engine, as
/// <see cref="ConsoleDevice"/> serves it), and the vCPU's rules (<see cref="VcpuActor"/>: the
/// clock and the lowest deliverable IRQ before each slice, HALT waits for an IRQ, SET_CLOCKEVENT
/// arms IRQ 0). Time is virtual — one retired instruction is one nanosecond, and a halt skips to
/// the next clock event — so two machines given the same exits do exactly the same thing.
/// </summary>
internal sealed class KernelMachine : IGuestMachine
{
    private const ulong RamSize = 16UL << 20;
    private const long SliceBudget = VcpuOptions.DefaultSliceBudget;
    private static readonly long BootSeconds = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    private readonly DevicePage _page;
    private readonly StringBuilder _console = new();
    private readonly VirtioDeviceState _state = new(ConsoleDevice.QueueCount);
    private VirtQueue[]? _queues;
    private uint _pending;
    private ulong _skipped;      // virtual nanoseconds spent halted
    private ulong? _clockEvent;  // virtual nanoseconds at which IRQ 0 is raised
    private bool _halted;

    public KernelMachine(CpuEngine engine, string commandLine)
    {
        var spec = new DeviceSpec(ConsoleDevice.VirtioId, ConsoleDevice.QueueCount, ConsoleDevice.OfferedFeatures(), ReadOnlyMemory<byte>.Empty);
        _page = DevicePage.Layout(RamSize, [spec]);
        ulong pages = (RamSize >> GuestMemory.PageShift) + _page.TotalPages + 1;
        uint pgdir = (uint)((pages - 1) << GuestMemory.PageShift);
        var memory = new GuestMemory((long)(pages << GuestMemory.PageShift));
        var image = Elf32Loader.Load(memory, File.ReadAllBytes(Path.Combine(Testing.RepoPaths.Root, "guest", "prebuilt", "kernel.elf")), RamSize);
        BootParams.Write(memory, RamSize, commandLine);
        _page.Write(memory);
        InitialPageTables.Build(memory, pgdir, pages << GuestMemory.PageShift);
        Cpu = new LguestActors.Cpu.Cpu(memory) { Eip = image.Entry, Esi = 0, Eflags = 0x202, Engine = engine };
        Cpu.LoadCr3(pgdir);
    }

    public LguestActors.Cpu.Cpu Cpu { get; }

    /// <summary>Everything the guest printed (early console and the virtio console).</summary>
    public string Console => _console.ToString();

    /// <summary>Null while it runs; then why it ended ("selftest: PASS 7/7" for a power-off).</summary>
    public string? Ended { get; private set; }

    private ulong Now => Cpu.Retired + _skipped;

    public bool TryBeginSlice(out long budget)
    {
        budget = SliceBudget;
        if (Ended is not null)
        {
            return false;
        }
        if (_clockEvent is ulong due && Now >= due)
        {
            _clockEvent = null;
            _pending |= 1;
        }
        if (_halted)
        {
            if (!HasWakingIrq())
            {
                if (_clockEvent is not ulong next)
                {
                    Ended = "halted with no clock event or IRQ to wake it";
                    return false;
                }
                _skipped += next - Now; // idle until the clock event
                _clockEvent = null;
                _pending |= 1;
            }
            _halted = false;
            Cpu.Memory.WriteU32(Cpu.LguestDataAddress + LguestDataLayout.IrqEnabled, LguestDataLayout.InterruptsOn);
        }
        if (Cpu.LguestDataAddress != 0)
        {
            ulong ns = Now;
            Cpu.Memory.WriteU32(Cpu.LguestDataAddress + LguestDataLayout.TimeSeconds, (uint)(BootSeconds + (long)(ns / 1_000_000_000)));
            Cpu.Memory.WriteU32(Cpu.LguestDataAddress + LguestDataLayout.TimeNanoseconds, (uint)(ns % 1_000_000_000));
        }
        DeliverIrq();
        return true;
    }

    public void EndSlice(RunExit exit)
    {
        switch (exit.Reason)
        {
            case ExitReason.Hypercall:
                Serve(Cpu.PendingHypercall);
                break;
            case ExitReason.Halt:
                _halted = true;
                break;
            case ExitReason.Fault:
                Ended = Cpu.Fault?.ToString() ?? "fault";
                break;
        }
    }

    private void Serve(HypercallRequest call)
    {
        if (Cpu.TryServeLocalHypercall(in call, out uint result))
        {
            Cpu.CompleteHypercall(result);
            return;
        }
        Cpu.CompleteHypercall(0);
        switch (call.Call)
        {
            case Hypercalls.Notify:
                Notify(call.Arg1);
                break;
            case Hypercalls.Halt:
                _halted = true;
                break;
            case Hypercalls.SetClockEvent:
                _clockEvent = call.Arg1 == 0 ? null : Now + Math.Max(1, call.Arg1);
                break;
            case Hypercalls.SendInterrupts:
                DeliverIrq();
                break;
            case Hypercalls.Shutdown:
                Ended = ReadString(call.Arg1);
                break;
            default:
                Ended = $"bad hypercall {call}";
                break;
        }
    }

    private void Notify(uint address)
    {
        if (_page.DeviceIndexAt(address) == 0)
        {
            byte status = _page.ReadStatus(Cpu.Memory, 0);
            if (status == 0)
            {
                _queues = null;
                _state.Reset();
            }
            else if ((status & VirtioStatus.Failed) == 0 && _queues is null)
            {
                _state.Start(ConsoleDevice.OfferedFeatures(), _page.ReadAcceptedFeatures(Cpu.Memory, 0));
                var transport = new LguestTransport(Cpu.Memory, _page.Devices[0], RamSize);
                _queues =
                [
                    new VirtQueue(Cpu.Memory, transport.Queues[0], RamSize, ChainDirection.WriteOnly, _state.Features, _state.Queues[0]),
                    new VirtQueue(Cpu.Memory, transport.Queues[1], RamSize, ChainDirection.ReadOnly, _state.Features, _state.Queues[1]),
                ];
            }
        }
        else if (_page.TryFindRing(address, out _, out int queue))
        {
            if (_queues is not null && queue == ConsoleDevice.TransmitQueue)
            {
                VirtQueue tx = _queues[queue];
                while (tx.TryPop(out var chain))
                {
                    _console.Append(Encoding.UTF8.GetString(chain.ReadAll(Cpu.Memory)));
                    tx.Complete(chain.Head, 0);
                }
                if (tx.ShouldInterrupt())
                {
                    _pending |= 1u << tx.Setup.Irq;
                }
            }
        }
        else if (address < RamSize)
        {
            _console.Append(ReadString(address));
        }
    }

    private void DeliverIrq()
    {
        uint skipped = 0;
        for (int irq = 0; irq < 32; irq++)
        {
            if ((_pending & (1u << irq)) == 0 || (skipped & (1u << irq)) != 0)
            {
                continue;
            }
            switch (Cpu.TryDeliverIrq(irq))
            {
                case IrqDelivery.Delivered:
                case IrqDelivery.NoHandler:
                    _pending &= ~(1u << irq);
                    if (Cpu.Halted)
                    {
                        _halted = false;
                    }
                    return;
                case IrqDelivery.Blocked:
                    skipped |= 1u << irq;
                    break;
                default:
                    return;
            }
        }
    }

    private bool HasWakingIrq() =>
        Cpu.LguestDataAddress != 0 && (_pending & ~Cpu.Memory.ReadU32(Cpu.LguestDataAddress + LguestDataLayout.BlockedInterrupts)) != 0;

    private string ReadString(uint address)
    {
        var bytes = new List<byte>();
        for (ulong a = address; a < RamSize && bytes.Count < 4096; a++)
        {
            byte b = Cpu.Memory.ReadU8(a);
            if (b == 0)
            {
                break;
            }
            bytes.Add(b);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
