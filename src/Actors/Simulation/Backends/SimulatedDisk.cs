using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Time;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Actors.Simulation.Backends;

/// <summary>Modelled disk latency: each operation takes a time drawn uniformly from [Min, Max] from the run's seed.</summary>
public sealed record DiskLatency(TimeSpan Min, TimeSpan Max)
{
    public static DiskLatency None { get; } = new(TimeSpan.Zero, TimeSpan.Zero);
}

/// <summary>
/// A block backend inside a simulated world: the disk (in memory or a file) is read and written on
/// the simulation thread by the I/O worker actors, each write goes into the run digest, and the
/// latency of each operation, if modelled, comes from the run's seed (its own stream per disk), so
/// completions arrive at the same virtual instants in every replay.
/// </summary>
public sealed class SimulatedDisk : IBlockBackend
{
    private readonly IBlockBackend _inner;
    private readonly SimulationWorld _world;
    private readonly string _name;
    private readonly DiskLatency _latency;
    private readonly SeededRandom _random;
    private readonly bool _ownsInner;

    /// <param name="inner">The disk itself.</param>
    /// <param name="world">The world it belongs to.</param>
    /// <param name="name">Its device name (blk0...): names its digest events and its random stream.</param>
    /// <param name="latency">Modelled latency, or none.</param>
    /// <param name="ownsInner">Whether disposing this disposes <paramref name="inner"/>.</param>
    public SimulatedDisk(IBlockBackend inner, SimulationWorld world, string name, DiskLatency? latency = null, bool ownsInner = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(world);
        _inner = inner;
        _world = world;
        _name = name;
        _latency = latency ?? DiskLatency.None;
        _random = world.Random("disk:" + name);
        _ownsInner = ownsInner;
    }

    public long Length => _inner.Length;

    public bool ReadOnly => _inner.ReadOnly;

    public BlockIoResult Read(long offset, Span<byte> destination) => Timed(_inner.Read(offset, destination));

    public BlockIoResult Write(long offset, ReadOnlySpan<byte> source)
    {
        var result = _inner.Write(offset, source);
        if (result.IsOk)
        {
            _world.Engine.Digest.Event(_world.Engine.Now, _name + " write", offset, source);
        }
        return Timed(result);
    }

    public BlockIoResult Flush() => Timed(_inner.Flush());

    public void Dispose()
    {
        if (_ownsInner)
        {
            _inner.Dispose();
        }
    }

    private BlockIoResult Timed(BlockIoResult result)
    {
        if (_latency.Max <= TimeSpan.Zero)
        {
            return result;
        }
        long span = Math.Max(0, _latency.Max.Ticks - _latency.Min.Ticks);
        long ticks = _latency.Min.Ticks + (span == 0 ? 0 : (long)(_random.NextDouble() * (span + 1)));
        return result with { Latency = result.Latency + TimeSpan.FromTicks(ticks) };
    }
}
