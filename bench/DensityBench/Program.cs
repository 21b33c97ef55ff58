using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LguestActors.Bench.Density;

// DensityBench: N idle sample-kernel VMs in one process. For each N (each in a fresh process, so
// one N's heap does not count against the next) it boots N VMs of --mem MiB to their shell prompt
// and reports: time to boot all, resident memory per VM beyond the guest's touched pages, host CPU
// per idle VM, time to stop all.
//
//   dotnet run --project bench/DensityBench -c Release -- --vms 100,1000,10000 [--mem 64] [--idle 10] [--no-watchdog]
var vms = new List<int> { 100, 1000 };
int mem = 64, idle = 10;
bool watchdog = true;
int? child = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--vms": vms = [.. args[++i].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))]; break;
        case "--mem": mem = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--idle": idle = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--no-watchdog": watchdog = false; break;
        case "--child": child = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"DensityBench: unknown argument {args[i]}; usage: DensityBench [--vms N,N...] [--mem MiB] [--idle SECONDS] [--no-watchdog]");
            return 2;
    }
}

if (child is int n)
{
    var result = await OneRun.RunAsync(n, mem, idle, watchdog);
    Console.WriteLine(result.ToLine());
    return 0;
}

Console.WriteLine($"DensityBench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {RuntimeInformation.FrameworkDescription}  {RuntimeInformation.OSDescription}  " +
                  $"{Environment.ProcessorCount} CPUs, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20} MiB");
Console.WriteLine($"idle sample-kernel VMs of {mem} MiB at their shell prompt, watchdog {(watchdog ? "as in config/akka.hocon" : "off")}, {idle} s idle window");
Console.WriteLine();
Console.WriteLine("|      N | boot all s | RSS MiB | guest touched KiB/VM | host overhead KiB/VM | idle CPU ms/s (all) | idle CPU µs/s per VM | stop all s | unmapped |");
Console.WriteLine("|-------:|-----------:|--------:|---------------------:|---------------------:|--------------------:|---------------------:|-----------:|---------:|");
foreach (int count in vms)
{
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
    start.ArgumentList.Add(typeof(OneRun).Assembly.Location);
    foreach (string a in new[] { "--child", count.ToString(CultureInfo.InvariantCulture), "--mem", mem.ToString(CultureInfo.InvariantCulture), "--idle", idle.ToString(CultureInfo.InvariantCulture) })
    {
        start.ArgumentList.Add(a);
    }
    if (!watchdog)
    {
        start.ArgumentList.Add("--no-watchdog");
    }
    using var process = Process.Start(start)!;
    string output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    var r = OneRun.Result.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "");
    if (process.ExitCode != 0 || r is null)
    {
        Console.WriteLine($"| {count,6} | failed (exit {process.ExitCode}): {output.Trim()} |");
        continue;
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Vms,6} | {r.BootAllSeconds,10:F1} | {r.RssBytes / 1048576.0,7:F0} | {r.GuestBytes / 1024.0 / r.Vms,20:F0} | {r.HostOverheadBytesPerVm / 1024.0,20:F0} | {r.IdleCpuPerSecond * 1000,19:F1} | {r.IdleCpuPerSecond * 1e6 / r.Vms,20:F2} | {r.StopAllSeconds,10:F2} | {r.Unmapped,8} |"));
}
return 0;
