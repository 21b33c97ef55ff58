using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Compile;

/// <summary>
/// The IL of one region: called with the vCPU and an entry (a block's index), it runs until it leaves,
/// and returns the index of the static exit it took (its target is in <see cref="ExitTargets"/>;
/// EIP is already written), or <see cref="Cpu.DynamicExit"/> / <see cref="Cpu.MissExit"/>.
/// </summary>
internal sealed class CompiledUnit
{
    public CompiledUnit(Func<int, int> code, Block root, Block[] blocks, uint[] exitTargets, KeyValuePair<uint, uint>[] pages, int mapEpoch, bool userMode)
    {
        UserMode = userMode;
        Code = code;
        Root = root;
        Blocks = blocks;
        ExitTargets = exitTargets;
        Links = new CompiledUnit?[exitTargets.Length];
        LinkEntries = new int[exitTargets.Length];
        Pages = pages;
        MapEpoch = mapEpoch;
    }

    /// <summary>The compiled region, bound to its vCPU. The argument is the entry block's index, or -1 to only have it JIT-compiled.</summary>
    public Func<int, int> Code { get; }

    public Block Root { get; }

    /// <summary>The decoded blocks it was compiled from: it keeps their pinned op arrays alive (handler calls point into them).</summary>
    public Block[] Blocks { get; }

    /// <summary>Linear address each static exit goes to.</summary>
    public uint[] ExitTargets { get; }

    /// <summary>The compiled region each static exit leads to, once known (a chain), and the entry there.</summary>
    public CompiledUnit?[] Links { get; }

    public int[] LinkEntries { get; }

    /// <summary>Linear page → physical page of the code it was compiled from.</summary>
    public KeyValuePair<uint, uint>[] Pages { get; }

    /// <summary>Compiled for ring 3 (the user TLB) rather than the ring-1 kernel; it runs only at that privilege.</summary>
    public bool UserMode { get; }

    /// <summary>The TLB epoch in which the page mapping was last checked.</summary>
    public int MapEpoch { get; set; }

    public bool Valid { get; set; } = true;

    /// <summary>Chains static exit <paramref name="exit"/> to entry <paramref name="entry"/> of <paramref name="next"/>, whose block is <paramref name="block"/>, the exit's target.</summary>
    public void Link(int exit, CompiledUnit next, int entry, Block block)
    {
        if (entry >= 0 && block.LinearEip == ExitTargets[exit])
        {
            Links[exit] = next;
            LinkEntries[exit] = entry;
        }
    }
}
