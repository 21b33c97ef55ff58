using System.Runtime.CompilerServices;
using LguestActors.Actors.Launcher;
using LguestActors.Host.Cli;
using LguestActors.Host.Vmm;

namespace LguestActors.Host;

/// <summary>
/// The VMs beside the first (<c>--vm</c>, <c>--fleet</c>): each one's end is one line on stderr,
/// <c>vm NAME ended: KIND REASON</c>, written when it ends, and exactly once. When the host stops,
/// <see cref="ReportAll"/> writes the line of every VM not reported yet, so none is missing even if
/// the actor system stopped before it answered for all of them.
/// </summary>
internal sealed class OtherVms(HostEnvironment env)
{
    private readonly List<(string Name, Task<object> Ended, Func<VmExited, VmExited> Classify, StrongBox<int> Reported)> _vms = [];
    private readonly Lock _lock = new();

    /// <param name="classify">How its end is read: a power-off its console showed to be a Linux panic is a panic (<see cref="PanicSeenOnConsole"/>).</param>
    public void Add(string name, Task<object> ended, Func<VmExited, VmExited> classify)
    {
        var reported = new StrongBox<int>();
        _vms.Add((name, ended, classify, reported));
        ended.ContinueWith(t => Report(name, t, classify, reported), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public void ReportAll()
    {
        foreach (var (name, ended, classify, reported) in _vms)
        {
            Report(name, ended, classify, reported);
        }
    }

    private void Report(string name, Task<object> ended, Func<VmExited, VmExited> classify, StrongBox<int> reported)
    {
        // Under one lock, so a line a continuation is writing is out before ReportAll returns and the
        // host writes its own last line.
        lock (_lock)
        {
            if (reported.Value != 0)
            {
                return;
            }
            reported.Value = 1;
            WriteLine(name, ended, classify);
        }
    }

    private void WriteLine(string name, Task<object> ended, Func<VmExited, VmExited> classify)
    {
        string outcome = !ended.IsCompleted ? "no report (the actor system stopped first)"
            : !ended.IsCompletedSuccessfully ? $"no report ({ended.Exception?.GetBaseException().Message ?? "cancelled"})"
            : ended.Result switch
            {
                VmExited e when classify(e) is var read => $"{read.Kind} {read.Reason}",
                LauncherFailed f => $"the launcher failed: {f.Reason}",
                object other => other.ToString() ?? "",
            };
        env.Error.WriteLine($"{Usage.ProgramName}: vm {name} ended: {outcome}");
        env.Error.Flush();
    }
}
