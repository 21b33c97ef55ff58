using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LguestActors.Host.Configuration;

namespace LguestActors.Host.Tests.Cluster;

/// <summary>A worker node as a user starts it (<c>dotnet lguest-actors.dll node ...</c>), its stderr kept for the test to wait on.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _error = new();

    private NodeProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_error)
                {
                    _error.AppendLine(e.Data);
                }
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Port { get; private init; }

    public string Address => $"akka.tcp://lguest@localhost:{Port}";

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public static NodeProcess Start(int port, string seed, params string[] more)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(HostDll());
        foreach (string arg in (string[])["node", "--seed-nodes", seed, "--host", "localhost", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. more])
        {
            start.ArgumentList.Add(arg);
        }
        return new NodeProcess(Process.Start(start)!) { Port = port };
    }

    /// <summary>Waits (generously: the machine may be loaded) until the node's stderr holds <paramref name="text"/>.</summary>
    public async Task WaitForAsync(string text, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (!Error.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(_process.HasExited && !Error.Contains(text, StringComparison.Ordinal), $"node {Port} exited before '{text}':\n{Error}");
            Assert.True(DateTime.UtcNow < until, $"node {Port} never printed '{text}':\n{Error}");
            await Task.Delay(50);
        }
    }

    /// <summary>A crash, not a stop: no leaving, no last message; the others find out from the failure detector.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }

    /// <summary>A TCP port nobody listens on right now.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string HostDll()
    {
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        string root = Path.GetDirectoryName(RepositoryFiles.Find([AppContext.BaseDirectory], RepositoryFiles.SolutionFile)
            ?? throw new InvalidOperationException("not run from the source tree"))!;
        string dll = Path.Combine(root, "src", "Host", "bin", configuration, "net10.0", "lguest-actors.dll");
        Assert.True(File.Exists(dll), $"build the host first: {dll} is missing");
        return dll;
    }
}
