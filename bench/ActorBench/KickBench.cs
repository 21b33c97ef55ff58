using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Bench.Actors;

/// <summary>
/// The kick→IRQ round trip through the real <see cref="ConsoleDevice"/> actor, no guest: the bench
/// thread is the guest driver (posts one readable transmit buffer, Tells the cached
/// <see cref="Kick"/>), a small actor stands where the interrupt controller goes and stamps the time
/// the device's <see cref="RaiseIrq"/> arrives. One kick in flight at a time, as a guest that waits
/// for its transmit IRQ. The device writes each byte to a backend that discards it.
/// </summary>
internal static class KickBench
{
    private const int WarmUp = 2_000;

    public static async Task RunAsync(int iterations)
    {
        Console.WriteLine($"Kick -> RaiseIrq through the console device actor: {WarmUp} warm-up, then {iterations} round trips, one in flight");
        Console.WriteLine("  (default dispatcher, as config/akka.hocon runs device actors; loglevel WARNING)");

        var config = ConfigurationFactory.ParseString("akka { loglevel = WARNING, stdout-loglevel = ERROR, log-dead-letters = off }");
        using var system = ActorSystem.Create("actorbench", config);
        try
        {
            var harness = VirtioDeviceHarness.ForConsole();
            var arrived = new IrqArrival();
            IActorRef irq = system.ActorOf(Props.Create(() => new IrqReceiver(arrived)), "irq");
            IActorRef console = harness.SpawnConsole(system, irq, new DiscardingBackend(), name: "console");
            console.Tell(harness.StartMessage());

            FakeVirtioDriver tx = harness.Drivers[ConsoleDevice.TransmitQueue];
            FakeBuffer buffer = tx.Readable("x"); // one buffer, reposted: the driver's scratch RAM is finite
            Kick kick = Kick.For(ConsoleDevice.TransmitQueue);

            for (int i = 0; i < WarmUp; i++)
            {
                RoundTrip(tx, buffer, console, kick, arrived);
            }
            var samples = new double[iterations];
            for (int i = 0; i < iterations; i++)
            {
                samples[i] = RoundTrip(tx, buffer, console, kick, arrived);
            }

            var s = Stats.Of(samples);
            Console.WriteLine();
            Console.WriteLine("  µs        median      p90      p99      min      max");
            Console.WriteLine($"  kick→IRQ {s.Median,8:F1} {s.P90,8:F1} {s.P99,8:F1} {s.Min,8:F1} {s.Max,8:F1}");
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static double RoundTrip(FakeVirtioDriver tx, FakeBuffer buffer, IActorRef console, Kick kick, IrqArrival arrived)
    {
        tx.PostChain(buffer);
        long sent = Stopwatch.GetTimestamp();
        console.Tell(kick, ActorRefs.NoSender);
        long at = arrived.Wait();
        return Stopwatch.GetElapsedTime(sent, at).TotalMicroseconds;
    }

    /// <summary>The time the last IRQ arrived, handed from the receiving actor to the bench thread.</summary>
    private sealed class IrqArrival
    {
        private readonly SemaphoreSlim _signal = new(0);
        private long _at;

        public void Arrived(long timestamp)
        {
            Volatile.Write(ref _at, timestamp);
            _signal.Release();
        }

        public long Wait()
        {
            if (!_signal.Wait(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("the console device raised no IRQ within 10 s");
            }
            return Volatile.Read(ref _at);
        }
    }

    /// <summary>Stands where the interrupt controller goes: stamps each RaiseIrq on arrival.</summary>
    private sealed class IrqReceiver : ReceiveActor
    {
        public IrqReceiver(IrqArrival arrived)
        {
            Receive<RaiseIrq>(_ => arrived.Arrived(Stopwatch.GetTimestamp()));
        }
    }

    private sealed class DiscardingBackend : IConsoleBackend
    {
        public void Write(ReadOnlySpan<byte> bytes)
        {
        }

        public void Start(Action<ReadOnlyMemory<byte>> onInput, Action onClosed, ConsoleInputCredit credit)
        {
        }
    }
}
