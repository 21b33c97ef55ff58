using Akka.Actor;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Devices.Block;

/// <summary>
/// Does the blocking part of a block request — the backend's reads, writes and flushes, straight
/// between the disk and the guest's buffers — on the device-io dispatcher, and reports back to the
/// device, which alone touches the ring. Several run at once; the backend is safe for that. A
/// backend that reports latency (<see cref="BlockIoResult.Latency"/>) has its completion reach the
/// device that much later on the actor system's scheduler (virtual time in a simulation).
/// </summary>
internal sealed class BlockIoWorker : UntypedActor
{
    private readonly GuestMemory _memory;
    private readonly IBlockBackend _backend;

    /// <summary>The latency the backend reported for the request being done.</summary>
    private TimeSpan _latency;

    public BlockIoWorker(GuestMemory memory, IBlockBackend backend)
    {
        _memory = memory;
        _backend = backend;
    }

    public static Props Props(GuestMemory memory, IBlockBackend backend) =>
        ActorProps.Of(() => new BlockIoWorker(memory, backend));

    // A switch, not ReceiveActor's Receive<T>: the published host interprets ReceiveActor's
    // expression-tree matcher on every message and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    protected override void OnReceive(object message)
    {
        if (message is BlockIo io)
        {
            Do(io);
        }
        else
        {
            Unhandled(message);
        }
    }

    private void Do(BlockIo io)
    {
        _latency = TimeSpan.Zero;
        var done = new BlockIoDone(io.Ticket, io.Worker, io.Request.Head, Execute(io.Request));
        if (_latency > TimeSpan.Zero)
        {
            Context.System.Scheduler.ScheduleTellOnce(_latency, Sender, done, Self);
        }
        else
        {
            Sender.Tell(done, Self);
        }
    }

    private string? Execute(BlockRequest request)
    {
        try
        {
            return request.Kind switch
            {
                BlockRequestKind.Read => Read(request),
                BlockRequestKind.Write => Write(request),
                BlockRequestKind.Flush => Noted(_backend.Flush()).Error,
                _ => $"request kind {request.Kind} is not host I/O",
            };
        }
#pragma warning disable CA1031 // a broken backend is an I/O error for the guest, never a lost request
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"the disk backend threw {e.GetType().Name}: {e.Message}";
        }
    }

    private string? Read(BlockRequest request)
    {
        long offset = request.Offset;
        foreach (var s in request.Data)
        {
            var result = Noted(_backend.Read(offset, _memory.WritableSpan(s.Address, (int)s.Length)));
            if (!result.IsOk)
            {
                return result.Error;
            }
            offset += s.Length;
        }
        return null;
    }

    private string? Write(BlockRequest request)
    {
        long offset = request.Offset;
        foreach (var s in request.Data)
        {
            var result = Noted(_backend.Write(offset, _memory.ReadOnlySpan(s.Address, (int)s.Length)));
            if (!result.IsOk)
            {
                return result.Error;
            }
            offset += s.Length;
        }
        return null;
    }

    private BlockIoResult Noted(BlockIoResult result)
    {
        _latency += result.Latency;
        return result;
    }
}
