using System.Diagnostics;
using System.Text;
using LguestActors.Host.Tests.Hosting;

namespace LguestActors.Host.Tests.Linux;

/// <summary>
/// The built host (`dotnet lguest-actors.dll ...`) with its console on pipes, as a person at a
/// terminal would drive it: wait for text to appear, type a line, wait for the exit.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly Task _pumps;

    private HostProcess(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(Pump(process.StandardOutput, _out), Pump(process.StandardError, _err));
    }

    /// <summary>Everything the guest printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_err)
            {
                return _err.ToString();
            }
        }
    }

    /// <param name="dll">The host to run: the build's, or a copy (with its own akka.hocon beside it).</param>
    public static HostProcess Start(string? dll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll ?? ExecutableTests.HostDll());
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return new HostProcess(Process.Start(start)!);
    }

    /// <summary>Waits until the output holds <paramref name="text"/> after <paramref name="from"/>; returns where it ends.</summary>
    public async Task<int> WaitForAsync(string text, TimeSpan timeout, int from = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string output = Output;
            int at = output.IndexOf(text, Math.Min(from, output.Length), StringComparison.Ordinal);
            if (at >= 0)
            {
                return at + text.Length;
            }
            if (_process.HasExited && _pumps.IsCompleted)
            {
                throw new Xunit.Sdk.XunitException($"the host exited ({_process.ExitCode}) before printing '{text}'{Describe()}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear within {timeout}{Describe()}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Types a line on the guest's console.</summary>
    public async Task TypeAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the host did not exit within {timeout}{Describe()}");
        }
        await _pumps;
        return _process.ExitCode;
    }

    public string Describe() => $"{Environment.NewLine}--- stdout (last 3000 chars) ---{Environment.NewLine}{Tail(Output)}" +
        $"{Environment.NewLine}--- stderr ---{Environment.NewLine}{Tail(Errors)}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private static string Tail(string text) => text.Length <= 3000 ? text : text[^3000..];

    private static async Task Pump(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, n);
            }
        }
    }
}
