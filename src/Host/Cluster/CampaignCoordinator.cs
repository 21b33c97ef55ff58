using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using LguestActors.Host.Experiments;

namespace LguestActors.Host.Cluster;

/// <summary>
/// The coordinator of a cluster campaign (/user/campaign on the node that runs
/// <c>experiment FILE --cluster</c>): calls the workers through the distributed pub-sub mediator
/// (topic <see cref="CampaignCall.Topic"/>, once a second until the campaign ends), sends the
/// campaign to each worker the first time it answers, hands trials
/// to the workers that pull them, collects each trial's result once, and puts a lost worker's
/// in-flight trials back in the queue — at once on "unreachable", without waiting for the cluster
/// to down it, because a result that still comes from it later is simply a repeat.
/// It runs no trials itself: it holds the only copy of the results, and its heartbeats must not
/// wait behind a simulation.
/// </summary>
internal sealed class CampaignCoordinator : UntypedActor, IWithTimers
{
    public const string Name = "campaign";

    private readonly CampaignOffer _offer;
    private readonly CampaignLedger<IActorRef> _ledger;
    private readonly TimeSpan _workerTimeout;
    private readonly Action<TrialResult, Address> _progress;
    private readonly Action<string> _log;
    private readonly TaskCompletionSource<CampaignOutcome> _outcome;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly HashSet<IActorRef> _offered = [];
    private readonly Publish _call;
    private DateTime _noWorkerSince = DateTime.UtcNow;

    public CampaignCoordinator(CampaignOffer offer, IEnumerable<TrialPlan> plan, TimeSpan workerTimeout,
        Action<TrialResult, Address> progress, Action<string> log, TaskCompletionSource<CampaignOutcome> outcome)
    {
        _offer = offer;
        _ledger = new CampaignLedger<IActorRef>(plan);
        _workerTimeout = workerTimeout;
        _progress = progress;
        _log = log;
        _outcome = outcome;
        _call = new Publish(CampaignCall.Topic, new CampaignCall(offer.CampaignId));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    // A switch, not ReceiveActor's Receive<T>: the published host interprets ReceiveActor's
    // expression-tree matcher on every message and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    // First match wins, as it did there: the two cluster events that matter before the interfaces
    // that cover them; a campaign message for another campaign is unhandled.
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.UnreachableMember e:
                LoseAt(e.Member.Address, "is unreachable", forget: false);
                break;
            case ClusterEvent.MemberRemoved e:
                OnMemberRemoved(e.Member.Address);
                break;
            case ClusterEvent.IMemberEvent:
            case ClusterEvent.IReachabilityEvent:
                break;
            case PullTrials p when p.CampaignId == _offer.CampaignId:
                OnPull(p);
                break;
            case TrialDone d when d.CampaignId == _offer.CampaignId:
                OnDone(d);
                break;
            case TrialBroke b when b.CampaignId == _offer.CampaignId:
                Finish(CampaignOutcome.Failed($"trial {b.Index} (schedule {b.ScheduleSeed}) broke on {Sender.Path.Address}: {b.Error}"));
                break;
            case Terminated t:
                LoseAt(t.ActorRef.Path.Address, "stopped", forget: true);
                break;
            case Tick:
                _mediator.Tell(_call);
                CheckWorkers();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnMemberRemoved(Address address)
    {
        if (address == _cluster.SelfAddress)
        {
            Finish(CampaignOutcome.Failed($"this coordinator ({address}) was removed from the cluster with {_ledger.Total - _ledger.Done} trial(s) not in"));
            return;
        }
        LoseAt(address, "left the cluster", forget: true);
    }

    private void OnPull(PullTrials p)
    {
        if (_offered.Add(Sender))
        {
            // The first answer to a call: the campaign itself goes first, so it is there
            // before any RunTrial (one sender, one receiver: Akka keeps the order).
            Sender.Tell(_offer);
        }
        if (!_ledger.Workers.Contains(Sender))
        {
            Context.Watch(Sender);
            _log($"worker {Sender.Path.Address} joined the campaign");
        }
        _ledger.Pull(Sender, p.FreeSlots, p.AssignmentsSeen);
        Dispatch();
    }

    private void OnDone(TrialDone d)
    {
        if (_ledger.Collect(d.Result))
        {
            _progress(d.Result, Sender.Path.Address);
        }
        else
        {
            _log($"trial {d.Result.Index} ({d.Result.SeedText}) from {Sender.Path.Address}: already in, not counted again");
        }
        if (_ledger.Complete)
        {
            Finish(CampaignOutcome.Completed(_ledger.Results, _ledger.Requeued, _ledger.Repeats));
        }
    }

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        _mediator.Tell(_call);
        Timers.StartPeriodicTimer("workers", Tick.Instance, TimeSpan.FromSeconds(1));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _outcome.TrySetResult(CampaignOutcome.Failed("the coordinator stopped before the campaign ended"));
    }

    private void LoseAt(Address address, string what, bool forget)
    {
        if (_outcome.Task.IsCompleted)
        {
            return; // the campaign is over: workers leaving now (or this node's own leaving) are no news
        }
        foreach (var worker in _ledger.Workers.Where(w => w.Path.Address == address).ToList())
        {
            int back = forget ? _ledger.Forget(worker) : _ledger.Lose(worker);
            if (back > 0)
            {
                _log($"worker {address} {what}: its {back} trial(s) in flight go back in the queue");
            }
            else
            {
                _log($"worker {address} {what}");
            }
        }
        Dispatch();
    }

    private void Dispatch()
    {
        foreach (var (worker, trial) in _ledger.Assign())
        {
            worker.Tell(new RunTrial(_offer.CampaignId, trial));
        }
    }

    private void CheckWorkers()
    {
        if (_ledger.UsableWorkers > 0)
        {
            _noWorkerSince = DateTime.UtcNow;
            return;
        }
        if (DateTime.UtcNow - _noWorkerSince >= _workerTimeout)
        {
            Finish(CampaignOutcome.Failed(
                $"no worker in the cluster for {_workerTimeout.TotalSeconds:0.#}s (lguest.cluster.worker-timeout): {_ledger.Done} of {_ledger.Total} trial(s) in; start one with 'lguest-actors node --seed-nodes {string.Join(',', _cluster.State.Members.Select(m => m.Address))}'"));
        }
    }

    private void Finish(CampaignOutcome outcome)
    {
        if (!_outcome.TrySetResult(outcome))
        {
            return;
        }
        foreach (var worker in _ledger.Workers)
        {
            worker.Tell(new CampaignOver(_offer.CampaignId));
        }
        Timers.CancelAll();
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }
}

/// <summary>How a cluster campaign ended: every result (plan order), or why not.</summary>
internal sealed record CampaignOutcome(IReadOnlyList<TrialResult>? Results, string? Error, int Requeued, int Repeats)
{
    public static CampaignOutcome Completed(IReadOnlyList<TrialResult> results, int requeued, int repeats) => new(results, null, requeued, repeats);

    public static CampaignOutcome Failed(string error) => new(null, error, 0, 0);
}
