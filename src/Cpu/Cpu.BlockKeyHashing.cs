namespace LguestActors.Cpu;

/// <summary>How the decoded-block cache hashes its (physical, linear) keys.</summary>
public enum BlockKeyHashing
{
    /// <summary>Both halves mixed (<see cref="BlockKey"/>): the one to use.</summary>
    Mixed,

    /// <summary>
    /// <c>pa ^ la</c>, .NET's hash of the old <c>pa &lt;&lt; 32 | la</c> key: the same for every
    /// block of a kernel mapped at a fixed offset. Kept only so a benchmark can show, side by side
    /// in one run, what the mixed hash bought (bench/LinuxBench, docs/PERFORMANCE.md).
    /// </summary>
    Xor,
}

public sealed partial class Cpu
{
    /// <summary>The block cache's key hashing; set before the first Run (it empties nothing).</summary>
    public BlockKeyHashing BlockKeyHashing
    {
        get => _blocks.Comparer is XorBlockKeyComparer ? BlockKeyHashing.Xor : BlockKeyHashing.Mixed;
        set
        {
            if (_blocks.Count > 0)
            {
                throw new InvalidOperationException("the block cache's hashing is chosen before the first block is decoded");
            }
            // The default comparer keeps the dictionary's devirtualized fast path for the mixed hash.
            _blocks = value == BlockKeyHashing.Xor ? new(XorBlockKeyComparer.Instance) : new(EqualityComparer<BlockKey>.Default);
        }
    }

    private sealed class XorBlockKeyComparer : IEqualityComparer<BlockKey>
    {
        public static readonly XorBlockKeyComparer Instance = new();

        public bool Equals(BlockKey x, BlockKey y) => x.Equals(y);

        public int GetHashCode(BlockKey key) => (int)(key.Pa ^ key.La);
    }
}
