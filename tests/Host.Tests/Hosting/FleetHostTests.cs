using Akka.Actor;
using LguestActors.Actors.Launcher;
using LguestActors.Host.Vmm;

namespace LguestActors.Host.Tests.Hosting;

// --fleet and the shutdown of many VMs, in-process with launchers that run until stopped.
public sealed class FleetHostTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Stopping_a_fleet_of_2500_reports_every_vm_exactly_once_before_the_host_exits()
    {
        const int Count = 2500;
        var started = new CountdownEvent(Count);
        var names = new System.Collections.Concurrent.ConcurrentBag<string>();
        VmPropsFactory launcher = (config, _) =>
        {
            names.Add(config.Name);
            return Props.Create(() => new RunsUntilStopped(started));
        };

        Task<int> run = _host.RunAsync(launcher, "--fleet", Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "8", _host.KernelPath);
        Assert.True(await Task.Run(() => started.Wait(TimeSpan.FromSeconds(60))), $"{started.CurrentCount} VMs did not start");
        _host.Signals.Raise(StopSignal.Terminate);
        int code = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(143, code);
        Assert.Equal(Enumerable.Range(1, Count).Select(i => $"guest-{i}").Order(), names.Order());
        string[] lines = _host.ErrorLines;
        Assert.Equal("lguest-actors: stopped by SIGTERM", lines[^1]);
        Assert.Equal(
            Enumerable.Range(2, Count - 1).Select(i => $"lguest-actors: vm guest-{i} ended: Stopped stopped by SIGTERM").Order(),
            lines[..^1].Order());
    }

    [Fact]
    public async Task Timings_print_the_host_and_actor_system_phases_and_the_first_console_byte()
    {
        VmPropsFactory launcher = (config, listener) => ScriptedLauncher.Props(config, listener, Actors.Protocol.GuestExitKind.PowerOff, "", new LauncherLog());

        int code = await _host.RunAsync(launcher, "--timings", "8", _host.KernelPath);

        Assert.Equal(0, code);
        string[] lines = _host.ErrorLines;
        Assert.Equal("lguest-actors: start-up timings (--timings), ms from the process start:", lines[0]);
        string[] phases = ["runtime: process start to Main", "host: command line, kernel, config", "host: console", "host: generic host built", "actor system: started",
            "actor system: /user/vmm", "guest: first console byte"];
        Assert.Equal(phases, lines.Skip(2).Select(l => l[2..36].TrimEnd()));
    }

    [Fact]
    public async Task A_vm_beside_the_first_whose_console_showed_a_Linux_panic_before_it_powered_off_is_reported_as_a_panic()
    {
        var started = new CountdownEvent(1);
        var reported = new TaskCompletionSource();
        VmPropsFactory launcher = (config, listener) => config.Name == "b"
            ? Props.Create(() => new PanicsLikeLinux(config, listener, reported))
            : Props.Create(() => new RunsUntilStopped(started));

        Task<int> run = _host.RunAsync(launcher, "8", _host.KernelPath, "--vm=b:8");
        await reported.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(await Task.Run(() => started.Wait(TimeSpan.FromSeconds(60))), "the first VM did not start");
        _host.Signals.Raise(StopSignal.Terminate);
        int code = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(143, code);
        Assert.Contains("lguest-actors: vm b ended: Panic Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100", _host.ErrorLines);
        Assert.Contains("[b] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100", _host.Error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>What Linux's panic() does on lguest: the line on the console, then SHUTDOWN power-off with the bare message.</summary>
    private sealed class PanicsLikeLinux : ReceiveActor
    {
        public PanicsLikeLinux(VmConfig config, IActorRef exitListener, TaskCompletionSource reported)
        {
            ScriptedLauncher.Console(config).Write("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n"u8);
            exitListener.Tell(new VmExited(config.Name, Actors.Protocol.GuestExitKind.PowerOff, "Attempted to kill init! exitcode=0x00000100"));
            reported.TrySetResult();
        }
    }

    private sealed class RunsUntilStopped : ReceiveActor
    {
        public RunsUntilStopped(CountdownEvent started)
        {
            ReceiveAny(_ => { });
            started.Signal();
        }
    }
}
