using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Console;

/// <summary>
/// The virtio console (device id 3): queue 0 (receiveq) carries host input into buffers the guest
/// posted, queue 1 (transmitq) carries guest output to the backend. The lifecycle (start, reset,
/// restart, FAILED, IRQs) is <see cref="VirtioDevice"/>'s; this is what is the console's own.
/// </summary>
public sealed class ConsoleDevice : VirtioDevice
{
    public const byte VirtioId = 3;
    public const int QueueCount = 2;
    public const int ReceiveQueue = 0;
    public const int TransmitQueue = 1;

    private readonly IConsoleBackend _backend;
    private readonly ConsoleDeviceState _state;

    public ConsoleDevice(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, IConsoleBackend backend, ConsoleDeviceState state)
        : base("console", memory, transport, interrupts, state.Virtio, OfferedFeatures(), ChainDirection.WriteOnly, ChainDirection.ReadOnly)
    {
        _backend = backend;
        _state = state;
    }

    /// <summary>Features the console offers: the ring features the shared engine implements.</summary>
    public static byte[] OfferedFeatures() =>
        FeatureBits.Of(FeatureBits.DefaultLength, FeatureBits.RingIndirectDesc, FeatureBits.RingEventIdx);

    public static Props Props(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, IConsoleBackend backend, ConsoleDeviceState state) =>
        ActorProps.Of(() => new ConsoleDevice(memory, transport, interrupts, backend, state));

    protected override void PreStart()
    {
        base.PreStart();
        if (_state.BackendStarted)
        {
            return;
        }
        _state.BackendStarted = true;
        // Backend callbacks run on its threads: copy, and marshal into the actor.
        var self = Self;
        _backend.Start(bytes => self.Tell(new ConsoleInput(bytes.ToArray())), () => self.Tell(ConsoleInputClosed.Instance), _state.Credit);
    }

    protected override bool OnDeviceMessage(object message)
    {
        switch (message)
        {
            case ConsoleInput input:
                OnInput(input);
                return true;
            case ConsoleInputClosed:
                Log.Info("console input closed");
                return true;
            case ConsoleOutput output:
                _backend.Write(output.Bytes.Span);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Output the guest queued before it notified the status goes out before input comes in.</summary>
    protected override void OnStarted()
    {
        Serve(TransmitQueue);
        Serve(ReceiveQueue);
    }

    protected override void ServeQueue(int queue, VirtQueue vq)
    {
        if (queue == TransmitQueue)
        {
            Transmit(vq);
        }
        else
        {
            DeliverInput(vq);
        }
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

    /// <summary>
    /// After a restart: output taken but not completed is written now unless the previous
    /// incarnation already wrote it (console output is never repeated), and receive buffers held
    /// are returned with the input already copied into them, or empty.
    /// </summary>
    protected override void FinishInFlightChains(IReadOnlyList<VirtQueue> queues)
    {
        var tx = queues[TransmitQueue];
        foreach (var chain in tx.InFlightChains())
        {
            tx.Complete(chain.Head, tx.ApplyOnce(chain, WriteOutput));
        }
        var rx = queues[ReceiveQueue];
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
        _backend.Write(chain.ReadAll(Memory));
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
                c.Write(Memory, pending.GetRange(0, n).ToArray());
                pending.RemoveRange(0, n);
                _state.Credit.Return(n); // the guest has it: the backend may read that much more
                return (uint)n;
            });
            rx.Complete(chain.Head, written);
        }
        RaiseIfWanted(rx);
    }
}
