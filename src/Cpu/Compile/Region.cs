using Iced.Intel;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Compile;

/// <summary>One decoded block inside a region, with what the compiler learns about it.</summary>
internal sealed unsafe class RegionBlock(Block block, int index)
{
    public Block Block { get; } = block;

    /// <summary>Position in <see cref="Region.Blocks"/> (0 is the root), and its entry number.</summary>
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
/// A hot block and the hot decoded blocks reachable from it through direct branches, calls,
/// returns to in-region call sites and fall-throughs — loops included — within a few linear
/// pages. Every block is an entry (the run loop may land on any of them, after a budget exit or
/// a return). Only blocks the interpreter already decoded (so already fetched, and fetchable
/// without a fault) are taken: forming a region never walks page tables or decodes.
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

    /// <summary>
    /// Blocks the run loop may enter the region at (indices into <see cref="Blocks"/>; the
    /// position is the entry number): the root, every loop head (a back edge's target) and every
    /// return site. Landing on another block, the run loop interprets up to the next entry — at
    /// most the rest of one loop iteration.
    /// </summary>
    public List<int> Entries { get; } = [];

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
    /// <remarks>
    /// Candidates are the blocks reachable from the root by static edges that ran often in the
    /// interpreter, or that another region already compiled (they are hot). A block compiled
    /// elsewhere is taken again only if control can come back from it to the root — the inner
    /// loop of a nest whose outer loop got hot later, or a function the loop calls (its RET
    /// reaches the return site) — so a loop nest ends up in one region; one that only leads
    /// away (a landing in the middle of a compiled loop after a slice ended there) stays an exit
    /// and is reached by chaining.
    /// </remarks>
    public static unsafe Region Build(Block root, CompilerOptions options, Func<uint, IReadOnlyDictionary<uint, uint>, Block?> find)
    {
        var limits = options with { MaxRegionBlocks = 2 * options.MaxRegionBlocks, MaxRegionInstructions = 2 * options.MaxRegionInstructions };
        Region candidates = Explore(root, limits, find, _ => true);
        var comesBack = candidates.ReachingRoot();
        bool Keep(RegionBlock b) => b.Block.Unit is null || comesBack.Contains(b.Index);
        var keep = candidates.Blocks.Where(Keep).Select(b => b.Block).ToHashSet();
        return Explore(root, options, (eip, pages) => find(eip, pages) is Block b && keep.Contains(b) ? b : null, _ => true);
    }

    private static unsafe Region Explore(Block root, CompilerOptions options, Func<uint, IReadOnlyDictionary<uint, uint>, Block?> find, Func<Block, bool> take)
    {
        var region = new Region(new RegionBlock(root, 0));
        region.AddPages(root);
        var queue = new Queue<RegionBlock>();
        queue.Enqueue(region.Root);
        while (queue.Count > 0)
        {
            RegionBlock b = queue.Dequeue();
            b.Successors.Clear();
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
        region.FindEntries();
        return region;
    }

    private void FindEntries()
    {
        var heads = new HashSet<int> { 0 };
        var state = new byte[Blocks.Count]; // 0 new, 1 on the DFS path, 2 done
        var stack = new Stack<(RegionBlock Block, int Next)>();
        stack.Push((Root, 0));
        state[0] = 1;
        while (stack.Count > 0)
        {
            var (b, next) = stack.Pop();
            if (next < b.Successors.Count)
            {
                stack.Push((b, next + 1));
                if (_byEip.TryGetValue(b.Successors[next], out RegionBlock? t))
                {
                    if (state[t.Index] == 1)
                    {
                        heads.Add(t.Index);
                    }
                    else if (state[t.Index] == 0)
                    {
                        state[t.Index] = 1;
                        stack.Push((t, 0));
                    }
                }
                continue;
            }
            state[b.Index] = 2;
        }
        foreach (uint site in ReturnSites)
        {
            heads.Add(_byEip[site].Index);
        }
        // Every block is an entry (exits of other regions, and landings, come in anywhere); the
        // heads first, then the rest.
        Entries.AddRange(heads.Order());
        Entries.AddRange(Enumerable.Range(0, Blocks.Count).Where(i => !heads.Contains(i)));
    }

    /// <summary>Indices of the blocks from which the root can be reached again (a RET may go to any return site).</summary>
    private unsafe HashSet<int> ReachingRoot()
    {
        var reached = new HashSet<int> { 0 };
        var work = new Stack<RegionBlock>();
        work.Push(Root);
        var rets = Blocks.Where(b => Classifier.IsReturn(b.Last)).ToList();
        while (work.Count > 0)
        {
            RegionBlock b = work.Pop();
            IEnumerable<RegionBlock> into = b.Predecessors;
            if (ReturnSites.Contains(b.Eip))
            {
                into = into.Concat(rets);
            }
            foreach (RegionBlock p in into)
            {
                if (reached.Add(p.Index))
                {
                    work.Push(p);
                }
            }
        }
        return reached;
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
        // A block that ran rarely in the interpreter (a loop exit, an error path) stays an exit.
        if (next is null || (next.Unit is null && (long)next.Heat * 4 < options.Threshold)
            || Instructions + next.Count > options.MaxRegionInstructions || !FitsPages(next, options.MaxRegionPages))
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
