using System.Text;
using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Block;

/// <summary>
/// The virtio block device (id 2): one request queue. The actor takes requests off the ring,
/// checks each one (<see cref="BlockRequest.Parse"/>; a bad one completes with IOERR and touches
/// nothing), hands reads, writes and flushes to its I/O workers on the device-io dispatcher, and
/// completes them — status byte, used entry, IRQ — when the workers report back. Many requests are
/// in flight at once; a FLUSH waits until every request taken before it has completed, then runs,
/// so it covers every earlier completed write. The lifecycle (start, reset, restart, FAILED, IRQs)
/// is <see cref="VirtioDevice"/>'s.
/// </summary>
public sealed class BlockDevice : VirtioDevice
{
    public const byte VirtioId = 2;
    public const int QueueCount = 1;
    public const int RequestQueue = 0;

    private readonly IBlockBackend _backend;
    private readonly BlockDeviceState _state;
    private readonly BlockDeviceOptions _options;
    private readonly byte[] _serial;

    /// <summary>Requests with the workers, by head, with the ticket their completion must carry.</summary>
    private readonly Dictionary<ushort, (long Ticket, BlockRequest Request)> _inFlight = [];

    /// <summary>Requests held behind a FLUSH that waits for earlier requests (FIFO).</summary>
    private readonly Queue<BlockRequest> _held = new();

    private IActorRef[] _workers = [];
    private int[] _workerLoad = [];

    public BlockDevice(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, IBlockBackend backend, BlockDeviceState state, BlockDeviceOptions options)
        : base("block", memory, transport, interrupts, state.Virtio, OfferedFeatures(backend.ReadOnly), ChainDirection.ReadThenWrite)
    {
        ArgumentNullException.ThrowIfNull(options);
        _backend = backend;
        _state = state;
        _options = options;
        _serial = new byte[BlockConfig.IdBytes];
        byte[] serial = Encoding.ASCII.GetBytes(options.Serial);
        serial.AsSpan(0, Math.Min(serial.Length, BlockConfig.IdBytes)).CopyTo(_serial);
    }

    public bool ReadOnly => _backend.ReadOnly;

    public static Props Props(GuestMemory memory, IVirtioTransport transport, IActorRef interrupts, IBlockBackend backend, BlockDeviceState state, BlockDeviceOptions? options = null) =>
        ActorProps.Of(() => new BlockDevice(memory, transport, interrupts, backend, state, options ?? BlockDeviceOptions.Default));

    /// <summary>The device-page entry's offered features for a disk that is (or is not) read-only.</summary>
    public static byte[] OfferedFeatures(bool readOnly) => BlockConfig.OfferedFeatures(readOnly);

    private VirtQueue? Queue => Queues?[RequestQueue];

    protected override void PreStart()
    {
        string dispatcher = _options.IoDispatcher;
        if (!Context.System.Dispatchers.HasDispatcher(dispatcher))
        {
            Log.Warning("block: no dispatcher '{0}' is configured; the I/O workers use {1}", dispatcher, BlockDeviceOptions.FallbackIoDispatcher);
            dispatcher = BlockDeviceOptions.FallbackIoDispatcher;
        }
        int count = Math.Max(1, _options.Workers);
        _workers = new IActorRef[count];
        _workerLoad = new int[count];
        for (int i = 0; i < count; i++)
        {
            // Unnamed: after a restart the previous incarnation's workers may still be stopping.
            _workers[i] = Context.ActorOf(BlockIoWorker.Props(Memory, _backend).WithDispatcher(dispatcher));
        }
        base.PreStart();
    }

    protected override bool OnDeviceMessage(object message)
    {
        if (message is BlockIoDone done)
        {
            OnIoDone(done);
            return true;
        }
        return false;
    }

    protected override void OnQueuesDropped() => ForgetInFlight();

    protected override void ServeQueue(int queue, VirtQueue vq)
    {
        while (vq.TryPop(out var chain))
        {
            Submit(Parse(chain));
        }
        RaiseIfWanted(vq);
    }

    private BlockRequest Parse(DescriptorChain chain) =>
        BlockRequest.Parse(chain, Memory, _backend.Length, ReadOnly, BlockConfig.SegMaxFor(Queue!.Setup.Size));

    /// <summary>Answers what needs no disk at once; sends the rest to a worker, or holds it behind a waiting FLUSH.</summary>
    private void Submit(BlockRequest request)
    {
        switch (request.Kind)
        {
            case BlockRequestKind.Invalid:
                Log.Warning("block: request {0} refused with IOERR: {1}", request.Head, request.Problem);
                Finish(request.Head, request.StatusAddress, BlockConfig.StatusIoError, 1);
                Measure(request, "ioerr");
                return;
            case BlockRequestKind.Unsupported:
                Log.Info("block: request {0}: {1}; UNSUPP", request.Head, request.Problem);
                Finish(request.Head, request.StatusAddress, BlockConfig.StatusUnsupported, 1);
                Measure(request, "unsupp");
                return;
            case BlockRequestKind.GetId:
                var chain = new DescriptorChain(request.Head, [.. request.Data]);
                int written = chain.Write(Memory, _serial);
                Finish(request.Head, request.StatusAddress, BlockConfig.StatusOk, (uint)written + 1);
                Measure(request, "ok");
                return;
        }
        if (_held.Count > 0 || (request.Kind == BlockRequestKind.Flush && _inFlight.Count > 0))
        {
            _held.Enqueue(request);
            return;
        }
        Dispatch(request);
    }

    private void Dispatch(BlockRequest request)
    {
        _state.Virtio.Faults.At(FaultPoint.BeforeSideEffect);
        long ticket = ++_state.LastTicket;
        int worker = 0;
        for (int i = 1; i < _workerLoad.Length; i++)
        {
            if (_workerLoad[i] < _workerLoad[worker])
            {
                worker = i;
            }
        }
        _workerLoad[worker]++;
        _inFlight[request.Head] = (ticket, request);
        _workers[worker].Tell(new BlockIo(ticket, worker, request), Self);
    }

    private void OnIoDone(BlockIoDone done)
    {
        if (!_inFlight.TryGetValue(done.Head, out var entry) || entry.Ticket != done.Ticket)
        {
            return; // from before a reset or a restart: that request was forgotten or re-submitted
        }
        _inFlight.Remove(done.Head);
        var request = entry.Request;
        _workerLoad[done.Worker]--;
        if (!Running)
        {
            return;
        }
        var queue = Queue!;
        Guarded(RequestQueue, () =>
        {
            if (done.Error is null)
            {
                uint written = request.Kind == BlockRequestKind.Read ? (uint)request.DataLength + 1 : 1;
                Finish(done.Head, request.StatusAddress, BlockConfig.StatusOk, written);
                Measure(request, "ok");
            }
            else
            {
                Log.Warning("block: host I/O error, request {0} completes with IOERR: {1}", done.Head, done.Error);
                Finish(done.Head, request.StatusAddress, BlockConfig.StatusIoError, 1);
                Measure(request, "ioerr");
            }
            ReleaseHeld();
            RaiseIfWanted(queue);
        });
    }

    /// <summary>Sends on what a FLUSH held back, up to the next FLUSH that must still wait.</summary>
    private void ReleaseHeld()
    {
        while (_held.Count > 0)
        {
            var next = _held.Peek();
            if (next.Kind == BlockRequestKind.Flush && _inFlight.Count > 0)
            {
                return;
            }
            Dispatch(_held.Dequeue());
        }
    }

    /// <summary>The status byte, then the used entry (with release): the guest sees both or neither.</summary>
    private void Finish(ushort head, ulong statusAddress, byte status, uint written)
    {
        // The status byte is in guest memory and recorded before the used entry goes out: a
        // restart from here on publishes the request instead of doing its I/O again.
        Memory.WriteU8(statusAddress, status);
        var queue = Queue!;
        queue.State.MarkApplied(head, written);
        _state.Virtio.Faults.At(FaultPoint.AfterSideEffect);
        queue.Complete(head, written);
        switch (status)
        {
            case BlockConfig.StatusOk:
                _state.CompletedOk++;
                break;
            case BlockConfig.StatusIoError:
                _state.CompletedIoError++;
                break;
            default:
                _state.CompletedUnsupported++;
                break;
        }
    }

    /// <summary>lguest.block.operations and, for a read or write that succeeded, lguest.block.bytes: its data, sector-exact.</summary>
    private void Measure(BlockRequest request, string status)
    {
        if (_state.Virtio.Metrics is not { } metrics)
        {
            return;
        }
        string op = request.Kind switch
        {
            BlockRequestKind.Read => "read",
            BlockRequestKind.Write => "write",
            BlockRequestKind.Flush => "flush",
            BlockRequestKind.GetId => "get_id",
            _ => "other",
        };
        bool moved = status == "ok" && request.Kind is BlockRequestKind.Read or BlockRequestKind.Write;
        metrics.BlockOperation(op, status, moved ? request.DataLength : 0);
    }

    /// <summary>
    /// After a restart: the requests the last incarnation took and did not complete are done again
    /// (reads and writes are idempotent; a FLUSH goes last, after the writes it must cover).
    /// </summary>
    protected override void FinishInFlightChains(IReadOnlyList<VirtQueue> queues)
    {
        var queue = queues[RequestQueue];
        var requests = new List<BlockRequest>();
        foreach (var chain in queue.InFlightChains())
        {
            if (queue.State.TryGetApplied(chain.Head, out uint written))
            {
                queue.Complete(chain.Head, written); // done and its status written: publish only
            }
            else
            {
                requests.Add(Parse(chain));
            }
        }
        foreach (var request in requests.Where(r => r.Kind != BlockRequestKind.Flush))
        {
            Submit(request);
        }
        foreach (var request in requests.Where(r => r.Kind == BlockRequestKind.Flush))
        {
            Submit(request);
        }
        ServeQueue(RequestQueue, queue);
    }

    private void ForgetInFlight()
    {
        _inFlight.Clear();
        _held.Clear();
        Array.Clear(_workerLoad);
    }
}
