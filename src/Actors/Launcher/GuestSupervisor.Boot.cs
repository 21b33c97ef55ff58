using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Interrupts;
using LguestActors.Actors.Launcher.Boot;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Supervision;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

// Boot, as a list of named phases (DESIGN §5).
public sealed partial class GuestSupervisor
{
    private uint _kernelEnd;
    private InitrdPlacement? _initrd;

    private IEnumerable<(string Name, Action Run)> BootPhases() =>
    [
        ("memory", AllocateMemory),
        ("kernel", LoadKernel),
        ("initrd", PlaceInitrd),
        ("boot params", () => BootParams.Write(_memory, RamSize, _config.CommandLine, _initrd)),
        ("device page", () => _devicePage.Write(_memory)),
        ("page tables", () => InitialPageTables.Build(_memory, _pgdir, (ulong)_pfnLimit << GuestMemory.PageShift)),
        ("vcpu and interrupts", CreateVcpuAndInterrupts),
        ("devices", CreateDevices),
        ("start", () => _vcpu.Tell(new Initialize(_memory, _pfnLimit, _pgdir, _entry), Self)),
    ];

    /// <summary>RAM, then the device page and its rings, then one page for the initial page directory.</summary>
    private void AllocateMemory()
    {
        if (RamSize == 0 || RamSize % GuestMemory.PageSize != 0)
        {
            throw new ArgumentException($"guest RAM must be a positive whole number of 4 KiB pages, not {RamSize} bytes");
        }
        _devicePage = DevicePage.Layout(RamSize, _config.Devices.Select(d => DeviceCatalog.SpecOf(d, _config.Machine.RingSize)).ToList());
        ulong totalPages = (RamSize >> GuestMemory.PageShift) + _devicePage.TotalPages + 1;
        _pfnLimit = checked((uint)totalPages);
        _pgdir = checked((uint)((totalPages - 1) << GuestMemory.PageShift));
        _memory = new GuestMemory(checked((long)(totalPages << GuestMemory.PageShift)));
    }

    private void LoadKernel()
    {
        var image = _options.LoadKernel(_memory, _config.Kernel, RamSize);
        _entry = image.Entry;
        _kernelEnd = image.HighestAddress;
    }

    /// <summary>The initrd at the top of RAM, above the kernel and the boot area (lguest's load_initrd).</summary>
    private void PlaceInitrd()
    {
        if (!_config.Initrd.IsEmpty)
        {
            ulong lowestFree = Math.Max(_kernelEnd, BootParams.CommandLineAddress + BootParams.CommandLineSize);
            _initrd = Initrd.Place(_memory, RamSize, _config.Initrd.Span, lowestFree);
        }
    }

    private void CreateVcpuAndInterrupts()
    {
        var pending = new PendingIrqs();
        var machine = _config.Machine;
        var props = VcpuActor.Props(pending, _options.Vcpu with { SliceBudget = machine.SliceInstructions, Engine = machine.Engine });
        _vcpu = Context.ActorOf(machine.VcpuDispatcher is { } dispatcher ? props.WithDispatcher(dispatcher) : props, "vcpu");
        Context.Watch(_vcpu); // without its vCPU the VM is over
        _interrupts = Context.ActorOf(InterruptController.Props(pending, _vcpu), "irq");
    }

    private void CreateDevices()
    {
        var devices = _config.Devices;
        _devices = new Akka.Actor.IActorRef[devices.Count];
        _kickTargets = new Akka.Actor.IActorRef[devices.Count];
        _started = new bool[devices.Count];
        _transports = new LguestTransport[devices.Count];
        _states = new VirtioDeviceState[devices.Count];
        _budgets = new RestartBudget[devices.Count];
        var faults = _config.Faults;
        var watched = new List<WatchedDevice>();
        for (int i = 0; i < devices.Count; i++)
        {
            string name = DeviceCatalog.NameOf(devices[i], devices);
            _transports[i] = new LguestTransport(_memory, _devicePage.Devices[i], RamSize);
            // Message-level faults sit on the wires: device → /irq, and vCPU → device (kicks).
            bool links = FaultLink.Needed(faults, name);
            var interrupts = links ? Context.ActorOf(FaultLink.ForIrqs(_interrupts, name, faults), $"{name}-irq-link") : _interrupts;
            var props = DeviceCatalog.PropsOf(devices[i], _config.Name, name, _memory, _transports[i], interrupts, faults, _config.DeviceEvents, out _states[i]);
            _devices[i] = Context.ActorOf(props, name);
            _kickTargets[i] = links ? Context.ActorOf(FaultLink.ForKicks(_devices[i], name, faults), $"{name}-kick-link") : _devices[i];
            _budgets[i] = new RestartBudget(_config.Supervision.MaxRestarts, _config.Supervision.Within);
            var queues = devices[i].Kind.WatchedQueues.Select(q => (q, _devicePage.Devices[i].QueueSetups[q])).ToList();
            watched.Add(new WatchedDevice(name, _devices[i], _states[i], queues));
        }
        if (_config.Supervision.WatchdogEnabled && devices.Count > 0)
        {
            _watchdogArm = new WatchdogArm();
            _watchdogArm.Attach(Context.ActorOf(DeviceWatchdog.Props(_memory, watched, _interrupts, _config.Supervision, _watchdogArm), "watchdog"));
        }
    }
}
