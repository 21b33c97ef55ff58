using System.Runtime.InteropServices;
using LguestActors.Bench.Actors;

// ActorBench: how long the real host takes to show the guest's first byte and its shell prompt,
// against the .NET start-up floor, and how long a kick takes to come back as an IRQ through the
// console device actor. Usage: ActorBench [--boots N] [--kicks N] [--host path/to/lguest-actors.dll]
int boots = 10;
int kicks = 20_000;
string? hostDll = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--boots": boots = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--kicks": kicks = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--host": hostDll = args[++i]; break;
        default:
            Console.Error.WriteLine($"ActorBench: unknown argument {args[i]}; usage: ActorBench [--boots N] [--kicks N] [--host lguest-actors.dll]");
            return 2;
    }
}

Console.WriteLine($"ActorBench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {RuntimeInformation.FrameworkDescription}  {RuntimeInformation.OSDescription}  " +
                  $"{Environment.ProcessorCount} CPUs");
Console.WriteLine();

if (boots > 0)
{
    hostDll ??= BootBench.FindHostDll();
    if (hostDll is null)
    {
        Console.Error.WriteLine("ActorBench: src/Host/bin/Release/net10.0/lguest-actors.dll not found; build it (dotnet build LguestActors.sln -c Release) or pass --host");
        return 1;
    }
    BootBench.Run(hostDll, boots);
    Console.WriteLine();
}

if (kicks > 0)
{
    await KickBench.RunAsync(kicks);
}
return 0;
