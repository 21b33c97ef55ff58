using System.Buffers.Binary;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Block;

/// <summary>The block device driven by a fake guest driver: what lands where, and every request it must refuse.</summary>
public sealed class BlockDeviceTests : TestKit, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private const int Sectors = 256; // 128 KiB disk

    private readonly TestProbe _irq;
    private readonly List<IDisposable> _disposables = [];
    private BlockDeviceState _state = new();

    public BlockDeviceTests() : base(BlockTestConfig.IoDispatcher)
    {
        _irq = CreateTestProbe("irq");
    }

    private (BlockRig Rig, IActorRef Device) Start(IBlockBackend backend, BlockDeviceState? state = null)
    {
        var rig = new BlockRig(backend);
        _state = state ?? new BlockDeviceState();
        var device = rig.Spawn(Sys, _irq.Ref, _state);
        rig.Vm.AcceptFeatures(BlockConfig.FeatureFlush, FeatureBits.RingIndirectDesc);
        device.Tell(rig.Vm.StartMessage(), _irq.Ref);
        return (rig, device);
    }

    private (BlockRig Rig, IActorRef Device) StartInMemory(bool readOnly = false, byte[]? contents = null)
    {
        var backend = new InMemoryBlockBackend(Sectors * 512L, readOnly);
        if (contents is not null)
        {
            backend.Load(0, contents);
        }
        return Start(backend);
    }

    /// <summary>Kicks and waits for <paramref name="count"/> more completions than the test has taken (the device may
    /// already have served requests posted before its start was processed).</summary>
    private async Task<IReadOnlyList<UsedElement>> KickAndWait(BlockRig rig, IActorRef device, int count)
    {
        ushort target = (ushort)(rig.Taken + count);
        device.Tell(Kick.For(BlockDevice.RequestQueue), _irq.Ref);
        bool done = await AwaitConditionAsync(() => Task.FromResult((ushort)(rig.Driver.UsedIdx - target) < 0x8000), Timeout)
            .ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);
        var q = _state.Virtio.Queues[0];
        Assert.True(done, $"used {rig.Driver.UsedIdx} (want {target}); avail {rig.Driver.AvailIdx}; device took {q.LastAvailIdx}, " +
            $"in flight {q.InFlight.Count}, started {_state.Virtio.Started}, failed {_state.Virtio.Failed}, ok {_state.CompletedOk}, ioerr {_state.CompletedIoError}");
        var used = rig.Driver.TakeUsed();
        rig.Taken += used.Count;
        return used;
    }

    private string TempDisk(byte[] contents)
    {
        string path = Path.Combine(Path.GetTempPath(), $"blk-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(path, contents);
        _disposables.Add(new DeleteOnDispose(path));
        return path;
    }

    [Fact]
    public void The_config_space_and_features_describe_the_disk()
    {
        var config = BlockConfig.ConfigSpace(Sectors * 512L, 256);
        Assert.Equal(BlockConfig.ConfigSize, config.Length);
        Assert.Equal((ulong)Sectors, BinaryPrimitives.ReadUInt64LittleEndian(config));
        Assert.Equal(BlockConfig.SizeMax, BinaryPrimitives.ReadUInt32LittleEndian(config.AsSpan(8)));
        Assert.Equal(254u, BinaryPrimitives.ReadUInt32LittleEndian(config.AsSpan(12)));
        Assert.Equal(512u, BinaryPrimitives.ReadUInt32LittleEndian(config.AsSpan(20)));
        var rw = BlockDevice.OfferedFeatures(readOnly: false);
        foreach (int bit in new[] { BlockConfig.FeatureSizeMax, BlockConfig.FeatureSegMax, BlockConfig.FeatureBlockSize, BlockConfig.FeatureFlush })
        {
            Assert.True(FeatureBits.Has(rw, bit), $"bit {bit}");
        }
        Assert.False(FeatureBits.Has(rw, BlockConfig.FeatureReadOnly));
        Assert.True(FeatureBits.Has(BlockDevice.OfferedFeatures(readOnly: true), BlockConfig.FeatureReadOnly));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockConfig.ConfigSpace(1000, 256));
    }

    [Fact]
    public async Task A_read_copies_the_right_file_bytes_into_guest_memory()
    {
        var contents = BlockRig.Pattern(Sectors * 512, 1);
        using var backend = FileBlockBackend.Open(TempDisk(contents), readOnly: false);
        var (rig, device) = Start(backend);
        var (head, data, status) = rig.PostRead(10, 1024);

        var used = Assert.Single(await KickAndWait(rig, device, 1));

        Assert.Equal(new UsedElement(head, 1025), used);
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(status));
        Assert.Equal(contents.AsSpan(10 * 512, 1024).ToArray(), rig.Bytes(data[0]));
        var raised = await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal(rig.Irq, raised.Irq);
    }

    [Fact]
    public async Task A_write_lands_in_the_right_bytes_of_the_file_and_nowhere_else()
    {
        var contents = BlockRig.Pattern(Sectors * 512, 2);
        string path = TempDisk(contents);
        using var backend = FileBlockBackend.Open(path, readOnly: false);
        var (rig, device) = Start(backend);
        var payload = BlockRig.Pattern(1536, 3);
        var (head, status) = rig.PostWrite(7, payload);

        Assert.Equal(new UsedElement(head, 1), Assert.Single(await KickAndWait(rig, device, 1)));
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(status));

        var expected = (byte[])contents.Clone();
        payload.CopyTo(expected, 7 * 512);
        Assert.Equal(expected, FileContents(backend));
    }

    /// <summary>
    /// The file's bytes, read through the backend's own descriptor: the image is locked while the
    /// backend has it open, so a second opener (File.ReadAllBytes) is refused, as another host would be.
    /// </summary>
    private static byte[] FileContents(IBlockBackend backend)
    {
        var bytes = new byte[backend.Length];
        Assert.True(backend.Read(0, bytes).IsOk);
        return bytes;
    }

    [Fact]
    public async Task Multi_buffer_and_indirect_chains_scatter_and_gather_in_order()
    {
        var (rig, device) = StartInMemory();
        var a = BlockRig.Pattern(512, 4);
        var b = BlockRig.Pattern(2048, 5);
        var c = BlockRig.Pattern(1024, 6);
        rig.PostWrite(3, a, b, c);
        await KickAndWait(rig, device, 1);

        var (_, data, _) = rig.PostRead(3, 1024, 512, 2048);
        await KickAndWait(rig, device, 1);
        byte[] all = [.. a, .. b, .. c];
        Assert.Equal(all, data.SelectMany(rig.Bytes).ToArray());

        // The same read through an indirect table.
        var d = rig.Driver;
        var bufs = new[] { d.Writable(2048), d.Writable(1536) };
        var status = rig.StatusBuffer();
        d.PostIndirect([d.Readable(BlockRig.Header(BlockConfig.TypeIn, 3)), .. bufs, status]);
        var used = Assert.Single(await KickAndWait(rig, device, 1));
        Assert.Equal(3585u, used.Length);
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(status));
        Assert.Equal(all, bufs.SelectMany(rig.Bytes).ToArray());
    }

    [Fact]
    public async Task Many_requests_in_flight_all_complete_with_their_own_data()
    {
        var contents = BlockRig.Pattern(Sectors * 512, 7);
        var (rig, device) = StartInMemory(contents: contents);
        var reads = Enumerable.Range(0, 64).Select(i => rig.PostRead((ulong)(i * 4 % (Sectors - 4)), 2048)).ToList();

        var used = await KickAndWait(rig, device, reads.Count);

        Assert.Equal(reads.Count, used.Count);
        Assert.Equal(reads.Select(r => (uint)r.Head).Order(), used.Select(u => u.Id).Order());
        for (int i = 0; i < reads.Count; i++)
        {
            Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(reads[i].Status));
            Assert.Equal(contents.AsSpan(i * 4 % (Sectors - 4) * 512, 2048).ToArray(), rig.Bytes(reads[i].Data[0]));
        }
    }

    [Fact]
    public async Task A_flush_waits_for_earlier_writes_and_then_makes_them_durable()
    {
        var backend = new InMemoryBlockBackend(Sectors * 512L);
        using var release = new ManualResetEventSlim(false);
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        backend.BeforeOperation = (op, offset, _) =>
        {
            if (op == InMemoryBlockBackend.Operation.Write)
            {
                release.Wait(Timeout); // hold the write until the test has posted the flush
                order.Enqueue($"write {offset}");
            }
            else
            {
                order.Enqueue(op.ToString());
            }
        };
        var (rig, device) = Start(backend);
        var payload = BlockRig.Pattern(4096, 8);
        var (writeHead, _) = rig.PostWrite(16, payload);
        device.Tell(Kick.For(0), _irq.Ref);
        var (flushHead, flushStatus) = rig.PostFlush();
        device.Tell(Kick.For(0), _irq.Ref);

        await Task.Delay(300);
        Assert.Equal(0, rig.Driver.UsedIdx); // neither the write nor the flush has completed
        Assert.Equal(0, backend.Flushes);
        release.Set();

        await AwaitConditionAsync(() => Task.FromResult(rig.Driver.UsedIdx == 2), Timeout);
        var used = rig.Driver.TakeUsed();
        Assert.Equal([writeHead, flushHead], used.Select(u => (ushort)u.Id));
        Assert.Equal(["write 8192", "Flush"], order);
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(flushStatus));
        Assert.Equal(payload, backend.DurableContents().AsSpan(16 * 512, 4096).ToArray());
    }

    [Fact]
    public async Task A_file_flush_reaches_the_disk_and_completes_OK()
    {
        string path = TempDisk(new byte[Sectors * 512]);
        using var backend = FileBlockBackend.Open(path, readOnly: false);
        var (rig, device) = Start(backend);
        var payload = BlockRig.Pattern(512, 9);
        rig.PostWrite(0, payload);
        await KickAndWait(rig, device, 1);
        var (_, status) = rig.PostFlush();
        await KickAndWait(rig, device, 1);
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(status));
        Assert.Equal(payload, FileContents(backend).AsSpan(0, 512).ToArray());
    }

    [Fact]
    public async Task GET_ID_returns_the_serial_padded_to_20_bytes()
    {
        var (rig, device) = StartInMemory();
        var d = rig.Driver;
        var id = d.Writable(BlockConfig.IdBytes);
        var status = rig.StatusBuffer();
        ushort head = d.PostChain(d.Readable(BlockRig.Header(BlockConfig.TypeGetId, 0)), id, status);

        var used = Assert.Single(await KickAndWait(rig, device, 1));

        Assert.Equal(new UsedElement(head, 21), used);
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(status));
        var expected = new byte[20];
        "lguest-actors-blk"u8.CopyTo(expected);
        Assert.Equal(expected, rig.Bytes(id));
    }

    [Fact]
    public async Task A_read_only_disk_offers_RO_reads_and_refuses_writes_with_IOERR()
    {
        var contents = BlockRig.Pattern(Sectors * 512, 10);
        string path = TempDisk(contents);
        using var backend = FileBlockBackend.Open(path, readOnly: true);
        var (rig, device) = Start(backend);
        Assert.True(FeatureBits.Has(rig.Vm.Memory.ReadOnlySpan(rig.Vm.Descriptor.OfferedFeaturesAddress, 4), BlockConfig.FeatureReadOnly));

        var (_, data, readStatus) = rig.PostRead(0, 512);
        var (_, writeStatus) = rig.PostWrite(0, new byte[512]);
        await KickAndWait(rig, device, 2);

        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(readStatus));
        Assert.Equal(contents.AsSpan(0, 512).ToArray(), rig.Bytes(data[0]));
        Assert.Equal(BlockConfig.StatusIoError, rig.StatusOf(writeStatus));
        Assert.Equal(contents, File.ReadAllBytes(path));
    }

    public static TheoryData<string> InvalidRequests => new()
    {
        "header too short", "header too long", "header writable", "status two bytes", "read past the end",
        "read straddling the end", "sector overflow", "length not a multiple of 512", "write not a multiple of 512",
        "read into readable buffers", "write from writable buffers", "flush with data", "no header",
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task An_invalid_request_completes_with_IOERR_and_touches_nothing(string which)
    {
        var contents = BlockRig.Pattern(Sectors * 512, 11);
        var backend = new InMemoryBlockBackend(Sectors * 512L);
        backend.Load(0, contents);
        var (rig, device) = Start(backend);
        var d = rig.Driver;
        var status = rig.StatusBuffer();
        FakeBuffer In(ulong sector) => d.Readable(BlockRig.Header(BlockConfig.TypeIn, sector));
        FakeBuffer Out(ulong sector) => d.Readable(BlockRig.Header(BlockConfig.TypeOut, sector));
        switch (which)
        {
            case "header too short": d.PostChain(d.Readable(new byte[8]), d.Writable(512), status); break;
            case "header too long": d.PostChain(d.Readable(new byte[24]), d.Writable(512), status); break;
            case "header writable": d.PostChain(d.Writable(16), d.Writable(512), status); break;
            case "status two bytes":
                status = d.Writable(2);
                d.PostChain(In(0), d.Writable(512), status);
                break;
            case "read past the end": d.PostChain(In(Sectors), d.Writable(512), status); break;
            case "read straddling the end": d.PostChain(In(Sectors - 1), d.Writable(1024), status); break;
            case "sector overflow": d.PostChain(Out(ulong.MaxValue - 1), d.Readable(new byte[1024]), status); break;
            case "length not a multiple of 512": d.PostChain(In(0), d.Writable(100), status); break;
            case "write not a multiple of 512": d.PostChain(Out(0), d.Readable(new byte[513]), status); break;
            case "read into readable buffers": d.PostChain(In(0), d.Readable(new byte[512]), status); break;
            case "write from writable buffers": d.PostChain(Out(0), d.Writable(512), status); break;
            case "flush with data": d.PostChain(d.Readable(BlockRig.Header(BlockConfig.TypeFlush, 0)), d.Readable(new byte[512]), status); break;
            case "no header": d.PostChain(status); break;
            default: throw new ArgumentException(which);
        }

        var used = Assert.Single(await KickAndWait(rig, device, 1));

        Assert.Equal(1u, used.Length);
        Assert.Equal(BlockConfig.StatusIoError, rig.StatusOf(status));
        Assert.Equal(contents, backend.Contents());
        Assert.Equal(0, backend.Reads + backend.Writes + backend.Flushes);
        Assert.Equal(0, rig.Vm.Status & VirtioStatus.Failed);
    }

    [Fact]
    public async Task An_unknown_type_completes_with_UNSUPP()
    {
        var (rig, device) = StartInMemory();
        var d = rig.Driver;
        var status = rig.StatusBuffer();
        d.PostChain(d.Readable(BlockRig.Header(11, 0)), d.Readable(new byte[512]), status); // DISCARD: not offered

        await KickAndWait(rig, device, 1);

        Assert.Equal(BlockConfig.StatusUnsupported, rig.StatusOf(status));
    }

    [Fact]
    public async Task A_chain_with_no_writable_status_byte_fails_the_device()
    {
        var (rig, device) = StartInMemory();
        var d = rig.Driver;
        d.PostChain(d.Readable(BlockRig.Header(BlockConfig.TypeOut, 0)), d.Readable(new byte[512]));

        device.Tell(Kick.For(0), _irq.Ref);

        await AwaitConditionAsync(() => Task.FromResult((rig.Vm.Status & VirtioStatus.Failed) != 0), Timeout);
        Assert.Equal(0, rig.Driver.UsedIdx);
    }

    [Fact]
    public async Task A_host_IO_error_reaches_the_guest_as_IOERR_and_the_device_carries_on()
    {
        var backend = new InMemoryBlockBackend(Sectors * 512L)
        {
            FailWhen = (op, offset, _) => op == InMemoryBlockBackend.Operation.Write && offset == 4096 ? "No space left on device" : null,
        };
        var (rig, device) = Start(backend);
        var (_, bad) = rig.PostWrite(8, new byte[512]);
        var (_, good) = rig.PostWrite(9, BlockRig.Pattern(512, 12));
        await KickAndWait(rig, device, 2);
        Assert.Equal(BlockConfig.StatusIoError, rig.StatusOf(bad));
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(good));

        backend.FailWhen = (op, _, _) => op == InMemoryBlockBackend.Operation.Flush ? "EIO" : null;
        var (_, flush) = rig.PostFlush();
        await KickAndWait(rig, device, 1);
        Assert.Equal(BlockConfig.StatusIoError, rig.StatusOf(flush));

        backend.FailWhen = (op, _, _) => op == InMemoryBlockBackend.Operation.Read ? "EIO" : null;
        var (_, _, read) = rig.PostRead(0, 512);
        await KickAndWait(rig, device, 1);
        Assert.Equal(BlockConfig.StatusIoError, rig.StatusOf(read));
    }

    [Fact]
    public async Task A_backend_that_throws_is_an_IOERR_not_a_lost_request()
    {
        var backend = new InMemoryBlockBackend(Sectors * 512L)
        {
            BeforeOperation = (_, _, _) => throw new InvalidOperationException("disk on fire"),
        };
        var (rig, device) = Start(backend);
        var (_, _, status) = rig.PostRead(0, 512);
        await KickAndWait(rig, device, 1);
        Assert.Equal(BlockConfig.StatusIoError, rig.StatusOf(status));
    }

    [Fact]
    public async Task A_restarted_device_finishes_the_requests_its_last_incarnation_held()
    {
        var backend = new InMemoryBlockBackend(Sectors * 512L);
        using var release = new ManualResetEventSlim(false);
        backend.BeforeOperation = (_, _, _) => release.Wait(Timeout);
        var state = new BlockDeviceState();
        var (rig, device) = Start(backend, state);
        var payload = BlockRig.Pattern(512, 13);
        var (head, status) = rig.PostWrite(2, payload);
        device.Tell(Kick.For(0), _irq.Ref);
        await AwaitConditionAsync(() => Task.FromResult(state.Virtio.Queues[0].InFlight.Count == 1), Timeout);

        // The actor goes (its state and ring do not); its worker's late answer dies with it.
        var stopping = device.GracefulStop(Timeout);
        await Task.Delay(200);
        release.Set();
        await stopping;
        var again = rig.Spawn(Sys, _irq.Ref, state);

        await AwaitConditionAsync(() => Task.FromResult(rig.Driver.UsedIdx == 1), Timeout);
        Assert.Equal(head, (ushort)Assert.Single(rig.Driver.TakeUsed()).Id);
        Assert.Equal(BlockConfig.StatusOk, rig.StatusOf(status));
        Assert.Equal(payload, backend.Contents().AsSpan(1024, 512).ToArray());
        GC.KeepAlive(again);
    }

    [Fact]
    public void Opening_a_missing_or_ragged_file_is_one_clear_error()
    {
        var missing = Assert.Throws<BlockBackendException>(() => FileBlockBackend.Open("/nonexistent/disk.img", readOnly: false));
        Assert.Contains("not found", missing.Message, StringComparison.Ordinal);
        string ragged = TempDisk(new byte[1000]);
        var e = Assert.Throws<BlockBackendException>(() => FileBlockBackend.Open(ragged, readOnly: false));
        Assert.Contains("not a whole number of 512-byte sectors", e.Message, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            foreach (var d in _disposables)
            {
                d.Dispose();
            }
        }
    }

    private sealed class DeleteOnDispose(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
