using Iced.Intel;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Compile;

/// <summary>One decoded block inside a region, with what the compiler learns about it.</summary>
internal sealed unsafe class RegionBlock(Block block, int index)
{
    public Block Block { get; } = block;

    /// <summary>Position in <see cref="Region.Blocks"/> (0 is the root, the only entry).</summary>
    public int Index { get; } = index;

    public uint Eip => Block.LinearEip;

    public int Count => Block.Count;

    public Op* Op(int k) => Block.Ops + k;

    public Op* Last => Block.Ops + (Block.Count - 1);

    /// <summary>Linear addresses control may go to from this block's end, when known statically.</summary>
    public List<uint> Successors { get; } = [];

    /// <summary>In-region blocks that can jump or fall into this one.</summary>
    public List<RegionBlock> Predecessors { get; } = [];
}

/// <summary>
/// A hot block and the decoded blocks reachable from it through direct branches, calls, returns
/// to in-region call sites and fall-throughs — loops included — within a few linear pages. It
/// has one entry, its root. Only blocks the interpreter already decoded (so already fetched,
/// and fetchable without a fault) are taken: forming a region never walks page tables or decodes.
/// </summary>
internal sealed class Region
{
    private readonly Dictionary<uint, RegionBlock> _byEip = [];

    private Region(RegionBlock root) => Add(root);

    public List<RegionBlock> Blocks { get; } = [];

    public RegionBlock Root => Blocks[0];

    /// <summary>Linear page → physical page of every page the region's code lies on.</summary>
    public Dictionary<uint, uint> Pages { get; } = [];

    /// <summary>Return addresses of the region's calls whose return block is in the region (a RET is tried against them).</summary>
    public List<uint> ReturnSites { get; } = [];

    public int Instructions { get; private set; }

    public bool TryGet(uint eip, out RegionBlock block) => _byEip.TryGetValue(eip, out block!);

    private void Add(RegionBlock b)
    {
        Blocks.Add(b);
        _byEip[b.Eip] = b;
        Instructions += b.Count;
    }

    /// <summary>
    /// Forms the region rooted at <paramref name="root"/>. <paramref name="find"/> returns the
    /// already-decoded, valid block at a linear address under the current mapping, given the
    /// pages the region already knows, or null.
    /// </summary>
    public static unsafe Region Build(Block root, CompilerOptions options, Func<uint, IReadOnlyDictionary<uint, uint>, Block?> find)
    {
        var region = new Region(new RegionBlock(root, 0));
        region.AddPages(root);
        var queue = new Queue<RegionBlock>();
        queue.Enqueue(region.Root);
        while (queue.Count > 0)
        {
            RegionBlock b = queue.Dequeue();
            StaticSuccessors(b.Last, b.Successors, out uint returnSite);
            foreach (uint target in b.Successors)
            {
                region.TryTake(target, find, options, queue);
            }
            // A call's return site is reached only by a RET inside the region, so it is worth
            // taking only when the callee is in the region too.
            if (returnSite != 0 && b.Successors.Count == 1 && region._byEip.ContainsKey(b.Successors[0])
                && region.TryTake(returnSite, find, options, queue) && !region.ReturnSites.Contains(returnSite))
            {
                region.ReturnSites.Add(returnSite);
            }
        }
        foreach (RegionBlock b in region.Blocks)
        {
            foreach (uint s in b.Successors)
            {
                if (region._byEip.TryGetValue(s, out RegionBlock? t))
                {
                    t.Predecessors.Add(b);
                }
            }
        }
        return region;
    }

    private bool TryTake(uint target, Func<uint, IReadOnlyDictionary<uint, uint>, Block?> find, CompilerOptions options, Queue<RegionBlock> queue)
    {
        if (_byEip.ContainsKey(target))
        {
            return true;
        }
        if (Blocks.Count >= options.MaxRegionBlocks)
        {
            return false;
        }
        Block? next = find(target, Pages);
        if (next is null || Instructions + next.Count > options.MaxRegionInstructions || !FitsPages(next, options.MaxRegionPages))
        {
            return false;
        }
        var rb = new RegionBlock(next, Blocks.Count);
        Add(rb);
        AddPages(next);
        queue.Enqueue(rb);
        return true;
    }

    private bool FitsPages(Block b, int max)
    {
        int extra = 0;
        foreach (uint page in PagesOf(b))
        {
            if (!Pages.ContainsKey(page))
            {
                extra++;
            }
        }
        return Pages.Count + extra <= max;
    }

    private void AddPages(Block b)
    {
        uint first = b.LinearEip & 0xFFFFF000;
        Pages[first] = b.PhysEip & 0xFFFFF000;
        if (b.SecondPagePhys != Block.OnePage)
        {
            Pages[first + 0x1000] = b.SecondPagePhys;
        }
    }

    private static IEnumerable<uint> PagesOf(Block b)
    {
        uint first = b.LinearEip & 0xFFFFF000;
        yield return first;
        if (b.SecondPagePhys != Block.OnePage)
        {
            yield return first + 0x1000;
        }
    }

    /// <summary>
    /// Where the block ending with <paramref name="last"/> goes next, when that is known without
    /// running it: both ways of a Jcc/LOOP/JECXZ, a direct JMP or CALL target, the next
    /// instruction after a block cut short. A direct CALL also names its return site.
    /// </summary>
    public static unsafe void StaticSuccessors(Op* last, List<uint> into, out uint returnSite)
    {
        returnSite = 0;
        var code = (Code)last->Code;
        if (Classifier.IsInterpreterOnly(last))
        {
            if (last->SetsEip == 0 && Classifier.FallsThrough(last))
            {
                into.Add(last->Next);
            }
            return;
        }
        if (code.IsJccShortOrNear() || code.IsLoop() || code.IsLoopcc() || code.IsJcxShort())
        {
            into.Add(last->Imm);
            into.Add(last->Next);
        }
        else if (code.IsJmpShortOrNear())
        {
            into.Add(last->Imm);
        }
        else if (code.IsCallNear())
        {
            into.Add(last->Imm);
            returnSite = last->Next;
        }
        else if (last->SetsEip == 0 && Classifier.FallsThrough(last))
        {
            into.Add(last->Next);
        }
    }
}
