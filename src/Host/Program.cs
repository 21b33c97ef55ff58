namespace LguestActors.Host;

internal static class Program
{
    private static int Main(string[] args)
    {
        System.Console.Error.WriteLine("lguest-actors: the console host is not written yet");
        return args.Length == 0 ? 2 : 2;
    }
}
