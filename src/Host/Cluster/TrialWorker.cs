using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using LguestActors.Actors;
using LguestActors.Actors.Launcher;
using LguestActors.Host.Experiments;
using LguestActors.Host.Logging;

namespace LguestActors.Host.Cluster;

/// <summary>
/// A worker node's trial runner (/user/trials): subscribes to the <see cref="CampaignCall.Topic"/>
/// topic of the distributed pub-sub mediator, answers a coordinator's call, takes its <see cref="CampaignOffer"/>,
/// pulls as many trials as it has slots (<c>node --parallel N</c>), runs each on a thread of its own
/// (a simulated trial is driven by the thread that runs it, docs/DETERMINISM.md §1) and sends the
/// result back. Pulling, not pushing, is the back-pressure: a worker is never given more trials
/// than it has said it can run, so a slow machine takes fewer of them.
/// </summary>
internal sealed class TrialWorker : UntypedActor
{
    public const string Name = "trials";

    private readonly int _slots;
    private readonly Config _trialConfig;
    private readonly TextWriter _log;
    private readonly Dictionary<string, Campaign> _campaigns = [];
    private readonly Queue<(Campaign Campaign, TrialPlan Trial)> _queued = new();
    private int _running;

    /// <param name="slots">Trials run at once.</param>
    /// <param name="trialConfig">What a trial's simulated world is built from: config/akka.hocon without the cluster.</param>
    /// <param name="log">The node's stderr.</param>
    public TrialWorker(int slots, Config trialConfig, TextWriter log)
    {
        _slots = slots;
        _trialConfig = trialConfig;
        _log = log;
    }

    public static Props Props(int slots, Config trialConfig, TextWriter log) =>
        ActorProps.Of(() => new TrialWorker(slots, trialConfig, log));

    // A switch, not ReceiveActor's Receive<T>: the published host interprets ReceiveActor's
    // expression-tree matcher on every message and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case CampaignCall c:
                // Unknown: "here I am" (the coordinator then sends the campaign). Known: the absolute
                // count again, which makes good a pull lost in a network pause.
                long seen = _campaigns.TryGetValue(c.CampaignId, out var known) ? known.AssignmentsSeen : 0;
                Sender.Tell(new PullTrials(c.CampaignId, Free, seen));
                break;
            case SubscribeAck:
                break;
            case CampaignOffer offer:
                Offered(offer);
                break;
            case RunTrial r:
                Take(r);
                break;
            case Finished f:
                OnFinished(f);
                break;
            case Broke b:
                OnBroke(b);
                break;
            case CampaignOver o:
                End(o.CampaignId, "is over");
                break;
            case Terminated t:
                foreach (var campaign in _campaigns.Values.Where(c => c.Coordinator.Equals(t.ActorRef)).ToList())
                {
                    End(campaign.Id, "lost its coordinator");
                }
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Take(RunTrial r)
    {
        if (_campaigns.TryGetValue(r.CampaignId, out var campaign))
        {
            campaign.AssignmentsSeen++;
            _queued.Enqueue((campaign, r.Trial));
            StartQueued();
        }
    }

    private void OnFinished(Finished f)
    {
        _running--;
        if (f.Campaign.Over)
        {
            _log.WriteLine($"trial {f.Result.Index} ({f.Result.SeedText}): done after its campaign ended; not sent");
        }
        else
        {
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trial {f.Result.Index} ({f.Result.SeedText}): {(f.Result.Check.Passed ? "pass" : "FAIL")}, digest {f.Result.Digest}, {f.Result.WallTime.TotalSeconds:F2} s wall"));
            f.Campaign.Coordinator.Tell(new TrialDone(f.Campaign.Id, f.Result));
        }
        StartQueued();
        PullAll();
    }

    private void OnBroke(Broke b)
    {
        _running--;
        _log.WriteLine($"trial {b.Trial.Index} (seed {b.Trial.Seed} schedule {b.Trial.ScheduleSeed}): broke: {b.Error}");
        if (!b.Campaign.Over)
        {
            b.Campaign.Coordinator.Tell(new TrialBroke(b.Campaign.Id, b.Trial.Index, b.Trial.ScheduleSeed, b.Error));
        }
        StartQueued();
        PullAll();
    }

    private int Free => _slots - _running - _queued.Count;

    protected override void PreStart() =>
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(CampaignCall.Topic, Self));

    private void Offered(CampaignOffer offer)
    {
        if (!_campaigns.TryGetValue(offer.CampaignId, out var campaign))
        {
            ExperimentSpec spec;
            try
            {
                spec = ExperimentSpec.Parse(offer.SpecText) with
                {
                    Machine = new MachineSettings(offer.SliceInstructions, offer.VcpuDispatcher, offer.RingSize),
                };
            }
            catch (ConfigurationException e)
            {
                Sender.Tell(new TrialBroke(offer.CampaignId, 0, 0, $"the experiment does not parse here: {e.Message}"));
                return;
            }
            campaign = new Campaign(offer.CampaignId, Sender, spec, offer.Kernel);
            _campaigns[offer.CampaignId] = campaign;
            Context.Watch(Sender);
            _log.WriteLine($"campaign {spec.Name} ({offer.CampaignId}) from {Sender.Path.Address}: {spec.Workload}, up to {_slots} trial(s) at once");
        }
        // The absolute count of free slots (the call's answer may have said fewer or more).
        campaign.Coordinator.Tell(new PullTrials(campaign.Id, Free, campaign.AssignmentsSeen));
    }

    private void StartQueued()
    {
        while (_running < _slots && _queued.TryDequeue(out var next))
        {
            if (next.Campaign.Over)
            {
                continue;
            }
            _running++;
            var (campaign, trial) = next;
            _log.WriteLine($"trial {trial.Index} (seed {trial.Seed} schedule {trial.ScheduleSeed}): started");
            var self = Self;
            var config = _trialConfig;
            var log = _log;
            _ = Task.Factory.StartNew(() =>
            {
                try
                {
                    self.Tell(new Finished(campaign, SimulatedTrials.Run(campaign.Spec, campaign.Kernel, config, trial, log)));
                }
#pragma warning disable CA1031 // a trial that throws is reported to the coordinator, which stops the campaign as a local run would
                catch (Exception e)
#pragma warning restore CA1031
                {
                    self.Tell(new Broke(campaign, trial, ExceptionText.OneLine(e)));
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    private void PullAll()
    {
        if (Free <= 0)
        {
            return;
        }
        foreach (var c in _campaigns.Values)
        {
            c.Coordinator.Tell(new PullTrials(c.Id, Free, c.AssignmentsSeen));
        }
    }

    private void End(string id, string why)
    {
        if (_campaigns.Remove(id, out var campaign))
        {
            campaign.Over = true;
            Context.Unwatch(campaign.Coordinator);
            _log.WriteLine($"campaign {campaign.Spec.Name} ({id}) {why}");
            PullAll();
        }
    }

    private sealed class Campaign(string id, IActorRef coordinator, ExperimentSpec spec, byte[] kernel)
    {
        public string Id { get; } = id;

        public IActorRef Coordinator { get; } = coordinator;

        public ExperimentSpec Spec { get; } = spec;

        public byte[] Kernel { get; } = kernel;

        public long AssignmentsSeen { get; set; }

        public bool Over { get; set; }
    }

    private sealed record Finished(Campaign Campaign, TrialResult Result);

    private sealed record Broke(Campaign Campaign, TrialPlan Trial, string Error);
}
