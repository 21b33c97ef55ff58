using System.Text;
using Akka.Actor;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host.Tests.Hosting;

/// <summary>What a fake launcher saw, for assertions after the host has returned.</summary>
internal sealed class LauncherLog
{
    public TaskCompletionSource<VmConfig> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A launcher that writes a banner to the guest console, then reports <paramref name="kind"/> (or nothing, if null).</summary>
internal sealed class ScriptedLauncher : ReceiveActor
{
    private readonly VmConfig _config;
    private readonly IActorRef _exitListener;
    private readonly GuestExitKind? _kind;
    private readonly string _reason;
    private readonly LauncherLog _log;

    public ScriptedLauncher(VmConfig config, IActorRef exitListener, GuestExitKind? kind, string reason, LauncherLog log)
    {
        _config = config;
        _exitListener = exitListener;
        _kind = kind;
        _reason = reason;
        _log = log;
    }

    public static Props Props(VmConfig config, IActorRef exitListener, GuestExitKind? kind, string reason, LauncherLog log) =>
        Akka.Actor.Props.Create(() => new ScriptedLauncher(config, exitListener, kind, reason, log));

    protected override void PreStart()
    {
        Console(_config).Write("guest says hello\n"u8);
        _log.Started.TrySetResult(_config);
        if (_kind is GuestExitKind kind)
        {
            _exitListener.Tell(new VmExited(_config.Name, kind, _reason));
        }
    }

    protected override void PostStop() => _log.Stopped.TrySetResult();

    internal static IConsoleBackend Console(VmConfig config) =>
        config.Devices.OfType<ConsoleConfig>().Single().Backend;
}

/// <summary>A "guest" that upper-cases what is typed and powers off when input ends.</summary>
internal sealed class ShoutingLauncher : ReceiveActor
{
    public ShoutingLauncher(VmConfig config, IActorRef exitListener)
    {
        IConsoleBackend console = ScriptedLauncher.Console(config);
        Receive<byte[]>(bytes => console.Write(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(bytes).ToUpperInvariant())));
        Receive<string>(_ => exitListener.Tell(new VmExited(config.Name, GuestExitKind.PowerOff, "input closed")));
        IActorRef self = Self;
        console.Start(input => self.Tell(input.ToArray()), () => self.Tell("closed"), ConsoleInputCredit.Unlimited());
    }
}

/// <summary>A launcher that throws while starting: a host-side bug, not a guest's.</summary>
internal sealed class CrashingLauncher : ReceiveActor
{
    public CrashingLauncher() => Receive<object>(_ => { });

    protected override void PreStart() => throw new InvalidOperationException("device page does not fit");
}
