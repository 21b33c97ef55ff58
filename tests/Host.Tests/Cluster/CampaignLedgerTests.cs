using LguestActors.Host.Cluster;
using LguestActors.Host.Experiments;

namespace LguestActors.Host.Tests.Cluster;

/// <summary>The coordinator's book: no trial lost with its worker, none counted twice.</summary>
public sealed class CampaignLedgerTests
{
    private static readonly TrialPlan[] Plan = [.. Enumerable.Range(1, 4).Select(i => new TrialPlan(i, 100 + i, 1))];

    private static TrialResult Result(TrialPlan t, string digest = "d") =>
        new(t.Index, t.Seed, t.ScheduleSeed, digest, new TrialCheck(10, 0, 0, 0, 0, null), TimeSpan.FromMilliseconds(1), TimeSpan.Zero, 0, 0, 0, 0, 0, [], [], []);

    [Fact]
    public void A_lost_workers_trials_go_back_first_and_the_next_worker_gets_them()
    {
        var ledger = new CampaignLedger<string>(Plan);
        ledger.Pull("a", 2, 0);
        var first = ledger.Assign();
        Assert.Equal([1, 2], first.Select(a => a.Trial.Index));
        Assert.All(first, a => Assert.Equal("a", a.Worker));

        Assert.Equal(2, ledger.Lose("a"));
        ledger.Pull("b", 3, 0);

        Assert.Equal([1, 2, 3], ledger.Assign().Select(a => a.Trial.Index));
        Assert.Equal(2, ledger.Requeued);
        Assert.Equal(0, ledger.UsableWorkers - 1); // a is lost, b is not
    }

    [Fact]
    public void A_result_that_comes_twice_is_counted_once_and_a_requeued_trial_already_in_is_not_run_again()
    {
        var ledger = new CampaignLedger<string>(Plan);
        ledger.Pull("a", 1, 0);
        var trial = ledger.Assign().Single().Trial;
        ledger.Lose("a"); // unreachable: trial 1 back in the queue...

        Assert.True(ledger.Collect(Result(trial, "first"))); // ...but a was only slow, and its result arrives
        Assert.False(ledger.Collect(Result(trial, "second")));
        ledger.Pull("b", 4, 0);

        Assert.Equal([2, 3, 4], ledger.Assign().Select(a => a.Trial.Index));
        Assert.Equal(1, ledger.Repeats);
        Assert.Equal("first", ledger.Results.Single().Digest);
    }

    [Fact]
    public void A_result_for_a_trial_not_in_the_plan_or_with_another_seed_is_not_collected()
    {
        var ledger = new CampaignLedger<string>(Plan);

        Assert.False(ledger.Collect(Result(new TrialPlan(9, 109, 1))));
        Assert.False(ledger.Collect(Result(new TrialPlan(1, 999, 1))));
        Assert.Equal(0, ledger.Done);
        Assert.Equal(2, ledger.Repeats);
    }

    [Fact]
    public void Pulls_count_free_slots_against_assignments_the_worker_has_not_seen_yet()
    {
        var ledger = new CampaignLedger<string>(Plan);
        ledger.Pull("a", 2, 0);
        Assert.Equal(2, ledger.Assign().Count);

        // Sent before the two trials reached it: still "2 free, 0 seen" — nothing more to give.
        ledger.Pull("a", 2, 0);
        Assert.Empty(ledger.Assign());
        // One done: one slot free, both seen.
        ledger.Pull("a", 1, 2);
        Assert.Equal([3], ledger.Assign().Select(a => a.Trial.Index));
    }

    [Fact]
    public void Results_come_out_in_plan_order_whatever_order_they_came_in()
    {
        var ledger = new CampaignLedger<string>(Plan);
        foreach (var t in Plan.Reverse())
        {
            ledger.Collect(Result(t));
        }

        Assert.True(ledger.Complete);
        Assert.Equal([1, 2, 3, 4], ledger.Results.Select(r => r.Index));
    }
}
