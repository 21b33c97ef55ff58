using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Console;

/// <summary>
/// The virtio console (device id 3): queue 0 (receiveq) carries host input into buffers the guest
/// posted, queue 1 (transmitq) carries guest output to the backend. It knows its queues only as
/// <see cref="QueueSetup"/>s from its transport.
/// </summary>
public sealed class ConsoleDevice : ReceiveActor
{
    public const byte VirtioId = 3;
    public const int QueueCount = 2;
    public const int ReceiveQueue = 0;
    public const int TransmitQueue = 1;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly GuestMemory _memory;
    private readonly IVirtioTransport _transport;
    private readonly IActorRef _interrupts;
    private readonly IConsoleBackend _backend;
    private readonly ConsoleDeviceState _state;
    private VirtQueue[]? _queues;

    /// <summary>
    /// A restarted incarnation finishes its predecessor's chains before it takes new ones, whatever
    /// message comes first (kicks queued while it was down come before FinishInFlight): otherwise
    /// output taken later would be printed before output taken earlier.
    /// </summary>
    private bool _mustFinishInFlight;

    public ConsoleDevice(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, IConsoleBackend backend, ConsoleDeviceState state)
    {
        _memory = memory;
        _transport = transport;
        _interrupts = interrupts;
        _backend = backend;
        _state = state;
        if (_state.Virtio.Started && !_state.Virtio.Failed)
        {
            _queues = BuildQueues(_state.Virtio.Features); // a restart: carry on where the last incarnation stopped
            _mustFinishInFlight = true;
        }

        Receive<StartDevice>(OnStart);
        Receive<ResetDevice>(_ => OnReset());
        Receive<Kick>(OnKick);
        Receive<ConsoleInput>(OnInput);
        Receive<ConsoleInputClosed>(_ => _log.Info("console input closed"));
        Receive<ConsoleOutput>(o => _backend.Write(o.Bytes.Span));
        Receive<FinishInFlight>(_ => FinishInFlightFirst());
    }

    /// <summary>Features the console offers: the ring features the shared engine implements.</summary>
    public static byte[] OfferedFeatures() =>
        FeatureBits.Of(FeatureBits.DefaultLength, FeatureBits.RingIndirectDesc, FeatureBits.RingEventIdx);

    public static Props Props(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, IConsoleBackend backend, ConsoleDeviceState state) =>
        Akka.Actor.Props.Create(() => new ConsoleDevice(memory, transport, interrupts, backend, state));

    protected override void PreStart()
    {
        if (_queues is not null)
        {
            Self.Tell(FinishInFlight.Instance);
        }
        if (_state.BackendStarted)
        {
            return;
        }
        _state.BackendStarted = true;
        // Backend callbacks run on its threads: copy, and marshal into the actor.
        var self = Self;
        _backend.Start(bytes => self.Tell(new ConsoleInput(bytes.ToArray())), () => self.Tell(ConsoleInputClosed.Instance), _state.Credit);
    }

    private void OnStart(StartDevice start)
    {
        switch (_state.Virtio.Start(OfferedFeatures(), start.AcceptedFeatures.Span))
        {
            case DeviceStart.AlreadyStarted:
                return;
            case DeviceStart.WaitsForReset:
                _log.Warning("console: start (status 0x{0:x2}) ignored: the device failed and waits for a reset", start.Status);
                return;
        }
        _queues = BuildQueues(_state.Virtio.Features);
        // The guest may have posted receive buffers or output before it notified the status.
        Serve(TransmitQueue);
        Serve(ReceiveQueue);
    }

    private void OnReset()
    {
        _state.Virtio.Reset();
        _queues = null;
    }

    private void OnKick(Kick kick)
    {
        if (!_state.Virtio.Started)
        {
            _log.Info("console: kick of queue {0} before the device started; ignored", kick.Queue);
            return;
        }
        Serve(kick.Queue);
    }

    /// <summary>
    /// Host input waits here until the guest posts buffers; the backend keeps to its credit, so
    /// this holds at most the credit window and nothing is dropped (back-pressure).
    /// </summary>
    private void OnInput(ConsoleInput input)
    {
        _state.PendingInput.AddRange(input.Bytes.Span);
        Serve(ReceiveQueue);
    }

    private void Serve(int queue)
    {
        if (_queues is null || _state.Virtio.Failed)
        {
            return;
        }
        if ((uint)queue >= (uint)_queues.Length)
        {
            _log.Warning("console: kick of queue {0}, which does not exist", queue);
            return;
        }
        if (FinishInFlightFirst())
        {
            return; // finishing rescans both queues
        }
        var queues = _queues;
        Guarded(queue, () =>
        {
            if (queue == TransmitQueue)
            {
                Transmit(queues[TransmitQueue]);
            }
            else
            {
                DeliverInput(queues[ReceiveQueue]);
            }
        });
    }

    private bool FinishInFlightFirst()
    {
        if (!_mustFinishInFlight)
        {
            return false;
        }
        _mustFinishInFlight = false;
        Guarded(ReceiveQueue, FinishInFlightChains);
        return true;
    }

    /// <summary>Runs queue work; a guest that broke the ring rules fails the device instead of the actor.</summary>
    private void Guarded(int queue, Action work)
    {
        if (!GuestRules.TryRun(work, out string? breach))
        {
            Fail(queue, breach);
        }
    }

    /// <summary>
    /// After a restart: output taken but not completed is written now unless the previous
    /// incarnation already wrote it (console output is never repeated), and receive buffers held
    /// are returned with the input already copied into them, or empty.
    /// </summary>
    private void FinishInFlightChains()
    {
        if (_queues is null || _state.Virtio.Failed)
        {
            return;
        }
        var tx = _queues[TransmitQueue];
        foreach (var chain in tx.InFlightChains())
        {
            tx.Complete(chain.Head, tx.ApplyOnce(chain, WriteOutput));
        }
        var rx = _queues[ReceiveQueue];
        foreach (var chain in rx.InFlightChains())
        {
            // Input already copied into the buffer is published with its length; a buffer
            // taken before its copy goes back empty and that input stays pending.
            rx.Complete(chain.Head, rx.State.TryGetApplied(chain.Head, out uint n) ? n : 0);
        }
        RaiseIfWanted(tx);
        RaiseIfWanted(rx);
        Transmit(tx);
        DeliverInput(rx);
    }

    private void Transmit(VirtQueue tx)
    {
        while (tx.TryPop(out var chain))
        {
            tx.Complete(chain.Head, tx.ApplyOnce(chain, WriteOutput));
        }
        RaiseIfWanted(tx);
    }

    private uint WriteOutput(DescriptorChain chain)
    {
        _backend.Write(chain.ReadAll(_memory));
        return 0;
    }

    private void DeliverInput(VirtQueue rx)
    {
        var pending = _state.PendingInput;
        while (pending.Count > 0 && rx.TryPop(out var chain))
        {
            uint written = rx.ApplyOnce(chain, c =>
            {
                int n = (int)Math.Min(c.WritableLength, pending.Count);
                c.Write(_memory, pending.GetRange(0, n).ToArray());
                pending.RemoveRange(0, n);
                _state.Credit.Return(n); // the guest has it: the backend may read that much more
                return (uint)n;
            });
            rx.Complete(chain.Head, written);
        }
        RaiseIfWanted(rx);
    }

    private void RaiseIfWanted(VirtQueue queue)
    {
        if (queue.ShouldInterrupt())
        {
            _interrupts.Tell(RaiseIrq.For(queue.Setup.Irq), Self);
        }
    }

    /// <summary>A guest bug: FAILED to the guest, one clear line in the log, nothing served until reset.</summary>
    private void Fail(int queue, string reason)
    {
        _state.Virtio.Failed = true;
        _queues = null;
        _transport.SignalFailed();
        _log.Error("console: queue {0} broke a virtqueue rule, device FAILED until the guest resets it: {1}", queue, reason);
    }

    private VirtQueue[] BuildQueues(RingFeatures features)
    {
        var setups = _transport.Queues;
        if (setups.Count != QueueCount)
        {
            throw new InvalidOperationException($"the console has {QueueCount} queues, its transport gave {setups.Count}");
        }
        return
        [
            new VirtQueue(_memory, setups[ReceiveQueue], _transport.RamSize, ChainDirection.WriteOnly, features, _state.Virtio.Queues[ReceiveQueue]),
            new VirtQueue(_memory, setups[TransmitQueue], _transport.RamSize, ChainDirection.ReadOnly, features, _state.Virtio.Queues[TransmitQueue]),
        ];
    }
}
