using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Simulation.Engine;
using LguestActors.Actors.Simulation.World;

namespace LguestActors.Simulation.Tests;

/// <summary>The engine with toy actors: one thread, one interleaving per seed, virtual time, and the guard.</summary>
public sealed class EngineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public void Every_actor_of_a_world_runs_on_the_thread_that_runs_it_whatever_dispatcher_it_names()
    {
        using var world = Worlds.Create(1, 1);
        var threads = new List<int>();
        var actors = new[] { "akka.actor.default-dispatcher", "vcpu-dispatcher", "device-io-dispatcher", "akka.actor.internal-dispatcher" }
            .Select((d, i) => world.System.ActorOf(Props.Create(() => new Recorder(threads)).WithDispatcher(d), $"r{i}"))
            .ToList();
        foreach (var actor in actors)
        {
            actor.Tell("hello");
        }

        var outcome = world.RunUntil(() => threads.Count == actors.Count, Limit);

        Assert.Equal(RunOutcome.Done, outcome);
        Assert.All(threads, t => Assert.Equal(Environment.CurrentManagedThreadId, t));
    }

    [Fact]
    public void One_schedule_seed_is_one_interleaving_and_other_seeds_explore_others()
    {
        var first = Interleaving(7);
        var again = Interleaving(7);
        var others = Enumerable.Range(8, 4).Select(s => Interleaving((ulong)s)).ToList();

        Assert.Equal(first.Order, again.Order);
        Assert.Equal(first.Digest, again.Digest);
        Assert.Contains(others, o => !o.Order.SequenceEqual(first.Order));
        Assert.Contains(others, o => o.Digest != first.Digest);
        foreach (var run in others.Append(first))
        {
            // Whatever the interleaving: every message arrives once, each sender's in the order sent.
            Assert.Equal(3 * 20, run.Order.Count);
            foreach (var sender in new[] { "a", "b", "c" })
            {
                Assert.Equal(Enumerable.Range(1, 20).Select(n => $"{sender}{n}"), run.Order.Where(m => m.StartsWith(sender, StringComparison.Ordinal)));
            }
        }
    }

    [Fact]
    public void An_idle_world_jumps_to_its_next_timer_ten_virtual_seconds_ahead()
    {
        using var world = Worlds.Create(1, 1);
        var got = new List<int>();
        var actor = world.System.ActorOf(Props.Create(() => new Recorder(got)), "sleeper");
        world.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(10), actor, "wake", ActorRefs.NoSender);

        var outcome = world.RunUntil(() => got.Count == 1, TimeSpan.FromMinutes(1));

        Assert.Equal(RunOutcome.Done, outcome);
        Assert.Equal(TimeSpan.FromSeconds(10), world.Now);
    }

    [Fact]
    public void A_world_with_nothing_to_do_and_no_timer_is_quiescent()
    {
        using var world = Worlds.Create(1, 1);

        Assert.Equal(RunOutcome.Quiescent, world.RunUntil(() => false, Limit));
        Assert.Equal(TimeSpan.Zero, world.Now);
    }

    [Fact]
    public void An_actor_on_a_dispatcher_outside_the_world_fails_the_run_loudly()
    {
        // lguest.simulation.dispatchers decides what runs on the simulation thread: one left out runs
        // on its own threads, and the guard catches the first message it takes.
        var config = ConfigurationFactory.ParseString("""
            lguest.simulation.dispatchers = [akka.actor.default-dispatcher, akka.actor.internal-dispatcher]
            outside-dispatcher { type = Dispatcher, executor = fork-join-executor, fork-join-executor { parallelism-min = 1, parallelism-max = 1 } }
            """).WithFallback(Worlds.RepositoryConfig);
        using var log = new StringWriter();
        using var world = Worlds.Create(1, 1, config, log);
        var got = new List<int>();
        var outsider = world.System.ActorOf(Props.Create(() => new Recorder(got)).WithDispatcher("outside-dispatcher"), "outsider");

        outsider.Tell("hello");
        // Running the world starts the outsider (its parent, the user guardian, is in the world); its
        // own thread then takes the message, maybe while the world still runs, maybe after.
        var e = Record.Exception(() => world.RunUntil(() => false, Limit));
        if (e is null)
        {
            SpinWait.SpinUntil(() => world.Engine.FirstViolation is not null, TimeSpan.FromSeconds(30));
            e = Record.Exception(() => world.RunUntil(() => false, Limit));
        }

        Assert.IsType<SimulationThreadException>(e);
        Assert.Contains("/user/outsider", e.Message, StringComparison.Ordinal);
        Assert.Contains("not the simulation thread", e.Message, StringComparison.Ordinal);
        Assert.Empty(got); // the message was refused, not delivered off the thread
        Assert.Contains("/user/outsider", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_sent_from_another_thread_while_the_world_runs_fails_the_run_loudly()
    {
        using var log = new StringWriter();
        using var world = Worlds.Create(1, 1, log: log);
        var got = new List<int>();
        var actor = world.System.ActorOf(Props.Create(() => new Recorder(got)), "target");
        var ticker = world.System.ActorOf(Props.Create(() => new Ticker()), "ticker");
        var sent = new ManualResetEventSlim();
        var caught = new ManualResetEventSlim();
        // A ticker keeps the world running; a thread of ours sends while it does. The world counts
        // as running only inside a step, and a step may end between our look and our send (a send
        // between steps is allowed): send again until the guard has seen one land inside a step.
        var intruder = new Thread(() =>
        {
            while (!caught.IsSet && world.Engine.FirstViolation is null)
            {
                if (world.Engine.IsRunning)
                {
                    actor.Tell("from outside");
                    sent.Set();
                }
            }
        }) { Name = "intruder" };
        intruder.Start();

        var e = Assert.Throws<SimulationThreadException>(() => world.RunUntil(() => false, TimeSpan.FromHours(1000)));
        caught.Set();
        intruder.Join();

        Assert.Contains("intruder", e.Message, StringComparison.Ordinal);
        Assert.Contains("/user/target", e.Message, StringComparison.Ordinal);
        Assert.True(sent.IsSet);
    }

    private static (List<string> Order, string Digest) Interleaving(ulong scheduleSeed)
    {
        using var world = Worlds.Create(1, scheduleSeed);
        var order = new List<string>();
        var collector = world.System.ActorOf(Props.Create(() => new Collector(order)), "collector");
        foreach (var name in new[] { "a", "b", "c" })
        {
            world.System.ActorOf(Props.Create(() => new Sender(name, collector, 20)), name);
        }
        Assert.Equal(RunOutcome.Done, world.RunUntil(() => order.Count == 60, Limit));
        return (order, world.Digest.Current());
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(List<int> threads) => ReceiveAny(_ => threads.Add(Environment.CurrentManagedThreadId));
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(List<string> order) => Receive<string>(order.Add);
    }

    /// <summary>Sends its numbered messages one per turn (a message to itself between them), so other actors can run in between.</summary>
    private sealed class Sender : ReceiveActor
    {
        public Sender(string name, IActorRef to, int count)
        {
            int next = 1;
            Receive<string>(_ =>
            {
                to.Tell($"{name}{next++}");
                if (next <= count)
                {
                    Self.Tell("next");
                }
            });
            Self.Tell("next");
        }
    }

    private sealed class Ticker : ReceiveActor, IWithTimers
    {
        public Ticker() => ReceiveAny(_ => { });

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart() => Timers.StartPeriodicTimer("tick", "tick", TimeSpan.FromMilliseconds(1));
    }
}
