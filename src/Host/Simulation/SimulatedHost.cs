using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using LguestActors.Actors.Devices;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Network;
using LguestActors.Actors.Simulation.Backends;
using LguestActors.Actors.Simulation.World;
using LguestActors.Host.Cli;
using LguestActors.Host.Configuration;
using LguestActors.Host.Experiments;
using LguestActors.Host.Vmm;

namespace LguestActors.Host.Simulation;

/// <summary>
/// The host on the simulation engine (docs/DETERMINISM.md): <c>--simulate[=SEED] [--input FILE]</c>
/// runs the VM configuration in one simulated world, unpaced, console input from the script;
/// <c>--record FILE</c> runs it paced to the wall clock with the terminal (and TAP frames) as input, logging each
/// input with the step boundary and virtual time it entered at; <c>--replay FILE</c> reruns a
/// recording unpaced. Every run ends with its digest on stderr; a replay says whether it matches.
/// </summary>
internal static class SimulatedHost
{
    /// <summary>How long VMs get to stop once the run is over (virtual time).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    public static (int Code, string? Line) Run(LaunchOptions options, HostEnvironment env, Config config, LguestSettings settings, byte[] kernel,
        byte[] initrd, IReadOnlyList<byte[]> extraKernels, IReadOnlyList<IBlockBackend> disks, IReadOnlyList<string> args, SessionRecording? replay,
        TaskCompletionSource<(int Code, string Line)> stopRequested)
    {
        var simulation = options.Simulation!;
        if (simulation.RecordPath is null && replay is null && NetAttachments(options).FirstOrDefault(n => n.Kind == NetAttachmentKind.Tap) is { } tap)
        {
            // Frames from the host are inputs: unrecorded, the run could never be rerun (DETERMINISM.md §6).
            return (ExitCodes.Usage, $"--net=tap:{tap.Name} in a simulation needs --record FILE: frames from the host are inputs, and only a recording makes the run reproducible (--replay FILE reruns it without the interface)");
        }
        ConsoleScript script = ConsoleScript.Empty;
        if (simulation.InputPath is { } input)
        {
            try
            {
                script = ConsoleScript.Parse(File.ReadAllText(input), input);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                return (ExitCodes.Failure, e is FormatException ? e.Message : $"--input {input}: {e.Message}");
            }
        }

        var driver = new SessionDriver(simulation.RecordPath is not null, replay);
        IConsoleBackend terminal;
        try
        {
            terminal = env.ConsoleBackend(settings, () => stopRequested.TrySetResult((ExitCodes.Stopped, "stopped from the console (escape key)")));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            return (ExitCodes.Failure, $"cannot open the console: {e.Message}");
        }
        // A stop (a signal the host took from its first moment, or the console escape) enters the
        // world as an input at the next step boundary, and is recorded like one.
        _ = stopRequested.Task.ContinueWith(t => driver.Post(new RecordedInput(0, 0, RecordedInput.Stop, [], t.Result.Code, t.Result.Line)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        try
        {
            return RunWorld(options, env, config, kernel, initrd, extraKernels, disks, args, simulation, script, terminal, driver);
        }
        finally
        {
            (terminal as IDisposable)?.Dispose();
        }
    }

    private static (int Code, string? Line) RunWorld(LaunchOptions options, HostEnvironment env, Config config, byte[] kernel, byte[] initrd,
        IReadOnlyList<byte[]> extraKernels, IReadOnlyList<IBlockBackend> disks, IReadOnlyList<string> args, SimulationOptions simulation,
        ConsoleScript script, IConsoleBackend terminal, SessionDriver driver)
    {
        using var world = SimulationWorld.Create(simulation.Seed, simulation.Seed, config, env.Error, "lguest");
        var links = new List<HostTapLink>();
        try
        {
            return RunVms(options, env, config, kernel, initrd, extraKernels, disks, args, simulation, script, terminal, driver, world, links);
        }
        catch (NetBackendException e)
        {
            return (ExitCodes.Failure, e.Message);
        }
        finally
        {
            // After the world has stopped stepping: nothing sends to an interface any more.
            foreach (var link in links)
            {
                link.Dispose();
            }
        }
    }

    private static (int Code, string? Line) RunVms(LaunchOptions options, HostEnvironment env, Config config, byte[] kernel, byte[] initrd,
        IReadOnlyList<byte[]> extraKernels, IReadOnlyList<IBlockBackend> disks, IReadOnlyList<string> args, SimulationOptions simulation,
        ConsoleScript script, IConsoleBackend terminal, SessionDriver driver, SimulationWorld world, List<HostTapLink> links)
    {
        var console = new SimulatedConsole(world, script, terminal);
        var (plan, supervision) = HostFaults.Read(config);
        // A TAP is a port of the world. Recording, the real interface is opened (before anything
        // starts: "no CAP_NET_ADMIN" is one line) and linked to it; replaying, none is opened: the
        // frames come from the recording and the guest's go only into the digest.
        INetBackend TapPort(string name, MacAddress mac)
        {
            if (driver.Ports.TryGetValue(name, out var known))
            {
                return known;
            }
            HostTapLink? link = null;
            if (driver.Replay is null)
            {
                link = new HostTapLink(name, env.OpenTap(name), driver, world.System);
                links.Add(link);
            }
            var port = driver.Ports[name] = new SimulatedNetPort(world, name, link is null ? null : link.Send);
            link?.Start(mac);
            return port;
        }
        var vms = VmConfigs(world, options, kernel, initrd, console, disks, extraKernels, env, TapPort)
            .Select(vm => vm with { Faults = new FaultInjector(plan, world.Clock), Supervision = supervision, Machine = vm.Machine with { Engine = options.Engine ?? Actors.Launcher.MachineSettings.FromConfig(config).Engine } })
            .ToList();
        if (driver.Replay is { } replay && CheckFrameDevices(replay, driver) is { } badFrame)
        {
            return (ExitCodes.Failure, badFrame);
        }
        var root = world.System.ActorOf(VmmRoot.Props(env.VmProps), VmmRoot.ActorName);
        foreach (var other in vms.Skip(1))
        {
            _ = root.Ask<object>(new RunVm(other)).ContinueWith(
                t => env.Error.WriteLine($"{Usage.ProgramName}: vm {other.Name} ended: {(t.IsCompletedSuccessfully && t.Result is VmExited e ? $"{e.Kind} {e.Reason}" : t.Result)}"),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        Task<object> ended = root.Ask<object>(new RunVm(vms[0]));
        if (simulation.RecordPath is not null)
        {
            // What the terminal gives is logged and typed into the simulated console, which holds it
            // until the guest has room (its own back-pressure), so the terminal need not wait.
            terminal.Start(bytes => driver.Post(new RecordedInput(0, 0, RecordedInput.Console, bytes.ToArray())), () => { }, ConsoleInputCredit.Unlimited());
        }

        var limit = simulation.TimeLimit ?? SimulationOptions.DefaultTimeLimit;
        var stop = driver.Run(world, console, () => ended.IsCompleted, limit);
        (int Code, string? Line) outcome;
        if (stop is not null)
        {
            outcome = (stop.Code, stop.Text);
        }
        else if (!ended.IsCompleted && world.Now < limit)
        {
            // Nothing is ready, no timer is armed and no input is to come: a tickless guest halted
            // at its prompt would wait for ever, so the run ends here, not at the limit.
            outcome = (ExitCodes.Failure, string.Create(CultureInfo.InvariantCulture,
                $"the guest is waiting with nothing left to wake it (halted, no clock event armed, no more input) at {world.Now.TotalSeconds:F3} s virtual"));
        }
        else if (!ended.IsCompleted)
        {
            outcome = (ExitCodes.Failure, string.Create(CultureInfo.InvariantCulture, $"the guest did not end within the virtual time limit of {limit.TotalSeconds} s (--time-limit)"));
        }
        else
        {
            outcome = ended.Result switch
            {
                VmExited exited => ExitCodes.For(exited),
                LauncherFailed failed => (ExitCodes.Failure, $"the launcher failed: {failed.Reason}"),
                object other => (ExitCodes.Failure, $"unexpected reply from the VMM: {other}"),
            };
        }
        // Whatever is still running stops inside the world, so the digest covers the whole run.
        var stopped = root.Ask<Akka.Done>(StopAllVms.ByHost);
        world.RunUntil(() => stopped.IsCompleted, world.Now + StopGrace);
        string digest = world.Digest.Current();
        env.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Usage.ProgramName}: simulation seed {simulation.Seed}: digest {digest} ({world.Digest.Messages} messages, {world.Digest.Events} guest events), {world.Now.TotalSeconds:F6} s virtual"));
        foreach (var port in driver.Ports.Values.Where(p => p.Dropped > 0))
        {
            env.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Usage.ProgramName}: tap:{port.Name}: {port.Dropped} frame(s) from the host found no running device and were dropped"));
        }
        if (driver.FramesDropped > 0)
        {
            env.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Usage.ProgramName}: {driver.FramesDropped} frame(s) from the host were dropped before they entered ({driver.FrameBound} were waiting; not recorded)"));
        }
        return Finish(simulation, args, driver, world, digest, outcome, env);
    }

    /// <summary>A replayed frame for an interface the recorded command line does not attach: the line that says so, or null.</summary>
    private static string? CheckFrameDevices(SessionRecording replay, SessionDriver driver)
    {
        var stray = replay.Inputs.FirstOrDefault(i => i.Kind == RecordedInput.Frame && !driver.Ports.ContainsKey(i.Text));
        return stray is null ? null
            : $"{replay.Source}:{stray.Line}: a frame for '{stray.Text}', which the recorded command line does not attach (expected {(driver.Ports.Count == 0 ? "no frames: it has no --net=tap:" : string.Join(" or ", driver.Ports.Keys.Order(StringComparer.Ordinal)))})";
    }

    /// <summary>Writes the recording, or checks the replay against it.</summary>
    private static (int Code, string? Line) Finish(SimulationOptions simulation, IReadOnlyList<string> args, SessionDriver driver, SimulationWorld world,
        string digest, (int Code, string? Line) outcome, HostEnvironment env)
    {
        if (simulation.RecordPath is { } record)
        {
            var recording = new SessionRecording { Seed = simulation.Seed, Args = args, EndDigest = digest, EndNanoseconds = world.Engine.Now };
            recording.Inputs.AddRange(driver.Recorded);
            try
            {
                File.WriteAllText(record, recording.Write());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (ExitCodes.Failure, $"--record {record}: {e.Message}");
            }
            env.Error.WriteLine($"{Usage.ProgramName}: recorded {driver.Recorded.Count} input(s) to {record}; replay: {Usage.ProgramName} --replay {record}");
        }
        if (driver.Replay is { } replay)
        {
            if (replay.EndDigest is not null && replay.EndDigest != digest)
            {
                return (ExitCodes.Failure, $"replay: digest {digest} differs from the recording's {replay.EndDigest} (a disk or kernel that changed since the recording?)");
            }
            env.Error.WriteLine($"{Usage.ProgramName}: replay: digest {digest} matches the recording");
        }
        return outcome;
    }

    private static IEnumerable<NetAttachment> NetAttachments(LaunchOptions options) =>
        new[] { options.Net }.Concat((options.ExtraVms ?? []).Select(v => v.Net)).OfType<NetAttachment>();

    /// <summary>The host's VMs inside the world: the first on the terminal's console, the others on prefixed stderr, switches as actors of the world.</summary>
    private static List<VmConfig> VmConfigs(SimulationWorld world, LaunchOptions options, byte[] kernel, byte[] initrd, SimulatedConsole console,
        IReadOnlyList<IBlockBackend> disks, IReadOnlyList<byte[]> extraKernels, HostEnvironment env, Func<string, MacAddress, INetBackend> tapPort)
    {
        var switches = new Dictionary<string, IActorRef>();
        DeviceConfig[] NetOf(string vm, NetAttachment? net, MacAddress? mac)
        {
            if (net is null)
            {
                return [];
            }
            if (net.Kind == NetAttachmentKind.Tap)
            {
                var own = mac ?? MacAddress.FromName(vm);
                return [new NetDeviceConfig(own, tapPort(net.Name, own))];
            }
            if (!switches.TryGetValue(net.Name, out var lan))
            {
                lan = switches[net.Name] = world.System.ActorOf(NetworkSwitch.Props(net.Name), NetworkSwitch.ActorPrefix + net.Name);
            }
            return [new NetDeviceConfig(mac ?? MacAddress.FromName(vm), new SwitchPortBackend(lan))];
        }
        var blockOptions = disks.Select((d, i) => new BlockDeviceConfig(new SimulatedDisk(d, world, $"blk{i}"))).ToArray();
        var vms = new List<VmConfig>
        {
            new(LguestHost.VmName, options.MemoryBytes, kernel, options.CommandLine,
                [new ConsoleConfig(console), .. blockOptions, .. NetOf(LguestHost.VmName, options.Net, options.Mac)])
            {
                Initrd = initrd,
            },
        };
        foreach (var (extra, image) in (options.ExtraVms ?? []).Zip(extraKernels))
        {
            var prefixed = new SimulatedConsole(world, echo: new PrefixedConsoleBackend(extra.Name, env.Error), name: $"console:{extra.Name}");
            vms.Add(new VmConfig(extra.Name, extra.MemoryBytes, image, extra.CommandLine, [new ConsoleConfig(prefixed), .. NetOf(extra.Name, extra.Net, extra.Mac)]));
        }
        return vms;
    }
}
