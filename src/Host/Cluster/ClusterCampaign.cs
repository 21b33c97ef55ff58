using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors;
using LguestActors.Host.Experiments;

namespace LguestActors.Host.Cluster;

/// <summary>
/// <c>experiment FILE --cluster SEEDS</c>: this process joins the cluster as the coordinator, offers
/// the campaign to the workers and waits until every trial of the plan is in (or the cluster has
/// had no worker for lguest.cluster.worker-timeout). The results come back in plan order, so the
/// report is the one a local run writes.
/// </summary>
internal static class ClusterCampaign
{
    public static async Task<(IReadOnlyList<TrialResult>? Results, string? Error)> RunAsync(
        Config config, string specText, ExperimentSpec spec, byte[] kernel, IReadOnlyList<TrialPlan> plan,
        ClusterOptions options, Action<TrialResult, Address> progress, TextWriter log)
    {
        ClusterSection settings;
        try
        {
            settings = ClusterSection.FromConfig(config);
        }
        catch (ConfigurationException e)
        {
            return (null, $"config/akka.hocon: {e.Message}");
        }
        var outcome = new TaskCompletionSource<CampaignOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var offer = new CampaignOffer(Guid.NewGuid().ToString("N")[..12], specText, kernel,
            spec.Machine.SliceInstructions, spec.Machine.VcpuDispatcher, spec.Machine.RingSize);
        var (system, error) = await ClusterNode.StartAsync(config, settings, options.Host, options.Port, ClusterNode.CoordinatorRole, options.Seeds, _ => { })
            .ConfigureAwait(false);
        if (system is null)
        {
            return (null, error);
        }
        try
        {
            await log.WriteLineAsync($"coordinator {Akka.Cluster.Cluster.Get(system).SelfAddress}: campaign {offer.CampaignId}, {plan.Count} trial(s) for the workers of {string.Join(',', options.Seeds)}").ConfigureAwait(false);
            system.ActorOf(ActorProps.Of(() => new CampaignCoordinator(offer, plan, settings.WorkerTimeout, progress, l => log.WriteLine(l), outcome)),
                CampaignCoordinator.Name);
            var result = await outcome.Task.ConfigureAwait(false);
            if (result.Results is null)
            {
                return (null, result.Error);
            }
            await log.WriteLineAsync($"cluster: {result.Results.Count} trial(s) in; {result.Requeued} rerun after their worker was lost; {result.Repeats} repeated result(s) not counted").ConfigureAwait(false);
            return (result.Results, null);
        }
        finally
        {
            // Leaving (not just dropping off) lets the workers see the coordinator go at once. But a
            // leave waits for the cluster to agree, which an unreachable member (a worker that died)
            // blocks until it is downed (Akka's split-brain resolver: 20 s after it went silent):
            // then the coordinator downs itself instead, which needs no agreement.
            var self = Akka.Cluster.Cluster.Get(system);
            if (!self.State.Unreachable.IsEmpty)
            {
                self.Down(self.SelfAddress);
            }
            await Task.WhenAny(system.Terminate(), Task.Delay(TimeSpan.FromSeconds(15))).ConfigureAwait(false);
        }
    }
}

/// <summary>Where a cluster node listens and whom it joins.</summary>
internal sealed record ClusterOptions(IReadOnlyList<Address> Seeds, string Host, int Port);
