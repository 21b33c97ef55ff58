using System.Text.RegularExpressions;
using LguestActors.Host.Tests.Hosting;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Simulation;

/// <summary>
/// The simulation's virtual clock advances with the instructions the vCPU retires; both engines
/// retire exactly the same ones, so a simulated session is the same run on either.
/// </summary>
public sealed partial class SimulatedEngineTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-sim-engine-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_simulated_session_with_hot_guest_code_is_the_same_run_on_either_engine()
    {
        // spin 1 keeps the vCPU busy for a virtual second: its loop is compiled (EngineSelectionTests).
        string script = Path.Combine(_dir.FullName, "script.txt");
        File.WriteAllText(script, "@1s\nspin 1\nuptime\npoweroff\n");

        var compiled = await RunAsync("--engine=compiled", "--simulate=3", "--input", script, "32");
        var interpreted = await RunAsync("--engine=interpreter", "--simulate=3", "--input", script, "32");

        Assert.True(compiled.Code == 0, compiled.Error);
        Assert.True(interpreted.Code == 0, interpreted.Error);
        Assert.Matches(@"up 2\.\d{3} s", compiled.Console);
        Assert.Equal(interpreted.Console, compiled.Console);
        // Messages, guest events and virtual time; the digest itself differs, as the VM's
        // settings (which carry the engine) are in the messages it folds in.
        string run = Run(compiled.Error);
        Assert.NotEmpty(run);
        Assert.Equal(Run(interpreted.Error), run);
    }

    private static async Task<(int Code, string Console, string Error)> RunAsync(params string[] args)
    {
        using var host = new HostHarness() { SearchRoots = [AppContext.BaseDirectory, RepoPaths.Root] };
        int code = await host.RunAsync(Program.LauncherProps, args).WaitAsync(TimeSpan.FromMinutes(5));
        return (code, host.ConsoleOutput, host.Error.ToString());
    }

    private static string Run(string stderr) => RunLine().Match(stderr).Groups[1].Value;

    [GeneratedRegex(@"digest [0-9a-f]{16} (\(\d+ messages, \d+ guest events\), [0-9.]+ s virtual)")]
    private static partial Regex RunLine();
}
