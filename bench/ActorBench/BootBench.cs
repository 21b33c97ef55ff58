using System.Diagnostics;
using System.Text;

namespace LguestActors.Bench.Actors;

/// <summary>
/// Starts the real host (<c>dotnet lguest-actors.dll 64</c>, stdin and stdout piped) and times, from
/// Process.Start, the first byte on stdout and the shell prompt; then types <c>poweroff</c> so the run
/// also covers a clean exit. Beside it, <c>dotnet lguest-actors.dll --help</c> to exit: the cost of
/// starting the .NET runtime and the host assembly at all, which the VMM cannot go below.
/// </summary>
internal static class BootBench
{
    private const string Prompt = "lguest> ";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    public static string? FindHostDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "Host", "bin", "Release", "net10.0", "lguest-actors.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public static void Run(string hostDll, int runs)
    {
        Console.WriteLine($"Boot: {runs} runs each, alternating, of");
        Console.WriteLine($"  dotnet {hostDll} --help            (runtime start-up floor: Process.Start to exit)");
        Console.WriteLine($"  dotnet {hostDll} 64                (sample guest: Process.Start to first stdout byte, to \"{Prompt}\", then poweroff)");

        // One untimed run of each, so the first timed run does not pay for a cold disk cache.
        TimeHelp(hostDll);
        TimeBoot(hostDll);

        var help = new List<double>();
        var firstByte = new List<double>();
        var prompt = new List<double>();
        var exit = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            help.Add(TimeHelp(hostDll));
            var boot = TimeBoot(hostDll);
            firstByte.Add(boot.FirstByteMs);
            prompt.Add(boot.PromptMs);
            exit.Add(boot.ExitMs);
        }

        Stats h = Stats.Of(help), f = Stats.Of(firstByte), p = Stats.Of(prompt), x = Stats.Of(exit);
        Console.WriteLine();
        Console.WriteLine("  ms from Process.Start           median      min      max");
        Row("--help exits (runtime floor)", h);
        Row("first console byte", f);
        Row("\"lguest> \" prompt", p);
        Row("exit after poweroff", x);
        Console.WriteLine();
        Console.WriteLine($"  VMM's own share to the first byte: {f.Median - h.Median,7:F0} ms median ({f.Median / h.Median:F2}x the runtime floor)");
        Console.WriteLine($"  VMM's own share to the prompt:     {p.Median - h.Median,7:F0} ms median ({p.Median / h.Median:F2}x the runtime floor)");
    }

    private static void Row(string name, Stats s) =>
        Console.WriteLine($"  {name,-30} {s.Median,7:F0}  {s.Min,7:F0}  {s.Max,7:F0}");

    private static double TimeHelp(string hostDll)
    {
        var info = Start(hostDll, "--help");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        var drainOut = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var drainErr = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("--help did not exit");
        }
        double ms = clock.Elapsed.TotalMilliseconds;
        Task.WaitAll(drainOut, drainErr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"--help exited {process.ExitCode}");
        }
        return ms;
    }

    private readonly record struct BootTimes(double FirstByteMs, double PromptMs, double ExitMs);

    private static BootTimes TimeBoot(string hostDll)
    {
        var info = Start(hostDll, "64");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.BeginErrorReadLine();

        double firstByte = -1, prompt = -1;
        var seen = new List<byte>();
        var stdout = process.StandardOutput.BaseStream;
        var buffer = new byte[4096];
        byte[] promptBytes = Encoding.ASCII.GetBytes(Prompt);
        var reading = Task.Run(() =>
        {
            int n;
            while ((n = stdout.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (firstByte < 0)
                {
                    firstByte = clock.Elapsed.TotalMilliseconds;
                }
                seen.AddRange(buffer.AsSpan(0, n));
                if (prompt < 0 && seen.Count >= promptBytes.Length &&
                    System.MemoryExtensions.IndexOf(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(seen), promptBytes) >= 0)
                {
                    prompt = clock.Elapsed.TotalMilliseconds;
                    return;
                }
            }
        });
        if (!reading.Wait(Limit) || prompt < 0)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"no prompt from the host; stdout: {Encoding.ASCII.GetString([.. seen])} stderr: {stderr}");
        }

        process.StandardInput.Write("poweroff\n");
        process.StandardInput.Flush();
        var drain = stdout.CopyToAsync(Stream.Null);
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the guest did not power off");
        }
        double exited = clock.Elapsed.TotalMilliseconds;
        drain.Wait(Limit);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the host exited {process.ExitCode}; stderr: {stderr}");
        }
        return new BootTimes(firstByte, prompt, exited);
    }

    private static ProcessStartInfo Start(string hostDll, string argument)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(hostDll)!,
        };
        info.ArgumentList.Add(hostDll);
        info.ArgumentList.Add(argument);
        return info;
    }
}
