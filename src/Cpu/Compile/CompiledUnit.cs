using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Compile;

/// <summary>
/// The IL of one region: called with the vCPU, it runs from the region's root until it leaves,
/// and returns the index of the static exit it took (its target is in <see cref="ExitTargets"/>;
/// EIP is already written), or <see cref="Cpu.DynamicExit"/> / <see cref="Cpu.FaultExit"/>.
/// </summary>
internal sealed class CompiledUnit
{
    public CompiledUnit(Func<Cpu, int, int> code, Block root, Block[] blocks, uint[] exitTargets, KeyValuePair<uint, uint>[] pages, int mapEpoch)
    {
        Code = code;
        Root = root;
        Blocks = blocks;
        ExitTargets = exitTargets;
        Links = new CompiledUnit?[exitTargets.Length];
        Pages = pages;
        MapEpoch = mapEpoch;
    }

    /// <summary>The compiled region. The second argument is 0, or -1 to only have it JIT-compiled.</summary>
    public Func<Cpu, int, int> Code { get; }

    public Block Root { get; }

    /// <summary>The decoded blocks it was compiled from: it keeps their pinned op arrays alive (handler calls point into them).</summary>
    public Block[] Blocks { get; }

    /// <summary>Linear address each static exit goes to.</summary>
    public uint[] ExitTargets { get; }

    /// <summary>The compiled region each static exit leads to, once known (a chain).</summary>
    public CompiledUnit?[] Links { get; }

    /// <summary>Linear page → physical page of the code it was compiled from.</summary>
    public KeyValuePair<uint, uint>[] Pages { get; }

    /// <summary>The TLB epoch in which the page mapping was last checked.</summary>
    public int MapEpoch { get; set; }

    public bool Valid { get; set; } = true;

    /// <summary>Chains static exit <paramref name="exit"/> to <paramref name="next"/>, the region rooted at its target.</summary>
    public void Link(int exit, CompiledUnit next)
    {
        if (next.Root.LinearEip == ExitTargets[exit])
        {
            Links[exit] = next;
        }
    }
}
