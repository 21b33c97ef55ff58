using LguestActors.Host.Experiments;

namespace LguestActors.Host.Cluster;

/// <summary>
/// The coordinator's book of a campaign: which trials wait, which run where, which are in. A result
/// is collected once per trial key (index, schedule seed) whoever sends it and however often — a
/// worker thought dead that comes back, or two workers that both ran a requeued trial, cannot count
/// a trial twice. A worker's in-flight trials go back to the front of the queue the moment it is
/// lost. Pure bookkeeping, no actors: <see cref="CampaignCoordinator"/> drives it.
/// </summary>
/// <typeparam name="TWorker">How a worker is known (an actor ref in the coordinator).</typeparam>
internal sealed class CampaignLedger<TWorker>
    where TWorker : notnull
{
    private readonly Dictionary<(int Index, ulong Schedule), TrialPlan> _plan = [];
    private readonly LinkedList<TrialPlan> _pending = new();
    private readonly Dictionary<(int, ulong), TWorker> _inFlight = [];
    private readonly Dictionary<(int, ulong), TrialResult> _done = [];
    private readonly Dictionary<TWorker, Slots> _workers = [];

    public CampaignLedger(IEnumerable<TrialPlan> plan)
    {
        foreach (var trial in plan)
        {
            if (_plan.TryAdd(Key(trial), trial))
            {
                _pending.AddLast(trial);
            }
        }
    }

    public int Total => _plan.Count;

    public int Done => _done.Count;

    public bool Complete => _done.Count == _plan.Count;

    /// <summary>Results dropped because their trial was already in (or not in the plan).</summary>
    public int Repeats { get; private set; }

    /// <summary>Trials put back in the queue because their worker was lost.</summary>
    public int Requeued { get; private set; }

    /// <summary>Workers that can be given trials now (known and not lost).</summary>
    public int UsableWorkers => _workers.Values.Count(s => !s.Lost);

    /// <summary>The results in plan order (index, then schedule seed): the rows a local run writes.</summary>
    public IReadOnlyList<TrialResult> Results =>
        _done.OrderBy(d => d.Key.Item1).ThenBy(d => d.Key.Item2).Select(d => d.Value).ToList();

    /// <summary>A worker says how many slots it has free, counting the assignments it has seen.</summary>
    public void Pull(TWorker worker, int freeSlots, long assignmentsSeen)
    {
        var slots = Worker(worker);
        slots.Lost = false;
        slots.Demand = Math.Max(0, freeSlots - (int)Math.Max(0, slots.Assigned - assignmentsSeen));
    }

    /// <summary>Hands out pending trials to workers with free slots.</summary>
    public IReadOnlyList<(TWorker Worker, TrialPlan Trial)> Assign()
    {
        var assigned = new List<(TWorker, TrialPlan)>();
        foreach (var (worker, slots) in _workers)
        {
            while (!slots.Lost && slots.Demand > 0 && _pending.First is { } first)
            {
                _pending.RemoveFirst();
                _inFlight[Key(first.Value)] = worker;
                slots.Demand--;
                slots.Assigned++;
                assigned.Add((worker, first.Value));
            }
        }
        return assigned;
    }

    /// <summary>Collects a result; false when it is a repeat (the trial was already in) or no trial of this campaign.</summary>
    public bool Collect(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var key = (result.Index, result.ScheduleSeed ?? 0);
        if (!_plan.TryGetValue(key, out var planned) || planned.Seed != result.Seed || !_done.TryAdd(key, result))
        {
            Repeats++;
            return false;
        }
        _inFlight.Remove(key);
        // A requeued trial whose first worker came back with it: it need not run again.
        for (var node = _pending.First; node is not null; node = node.Next)
        {
            if (Key(node.Value) == key)
            {
                _pending.Remove(node);
                break;
            }
        }
        return true;
    }

    /// <summary>A worker is unreachable or gone: its in-flight trials go back to the front of the queue. Returns how many.</summary>
    public int Lose(TWorker worker)
    {
        if (_workers.TryGetValue(worker, out var slots))
        {
            slots.Lost = true;
            slots.Demand = 0;
        }
        var back = _inFlight.Where(f => f.Value.Equals(worker)).Select(f => f.Key).OrderByDescending(k => k).ToList();
        foreach (var key in back)
        {
            _inFlight.Remove(key);
            _pending.AddFirst(_plan[key]);
        }
        Requeued += back.Count;
        return back.Count;
    }

    /// <summary>A worker is gone for good (removed from the cluster): forget it.</summary>
    public int Forget(TWorker worker)
    {
        int back = Lose(worker);
        _workers.Remove(worker);
        return back;
    }

    /// <summary>The workers known, lost or not.</summary>
    public IEnumerable<TWorker> Workers => _workers.Keys;

    private Slots Worker(TWorker worker)
    {
        if (!_workers.TryGetValue(worker, out var slots))
        {
            _workers[worker] = slots = new Slots();
        }
        return slots;
    }

    private static (int, ulong) Key(TrialPlan t) => (t.Index, t.ScheduleSeed);

    private sealed class Slots
    {
        public int Demand { get; set; }

        public long Assigned { get; set; }

        public bool Lost { get; set; }
    }
}
