using Akka.Configuration;

namespace LguestActors.Host.Configuration;

/// <summary>
/// Finds and parses config/akka.hocon: next to the executable (the build copies it there), or in
/// the repository's config/ folder when run from a source tree (<c>dotnet run</c>, tests).
/// </summary>
internal static class AkkaConfigFile
{
    public const string FileName = "akka.hocon";

    /// <summary>Where the file lives in the repository.</summary>
    public const string RepositoryPath = "config/akka.hocon";

    /// <summary>The first existing candidate, or null.</summary>
    public static string? Locate(IEnumerable<string> searchRoots)
    {
        ArgumentNullException.ThrowIfNull(searchRoots);
        foreach (string root in searchRoots)
        {
            string beside = Path.Combine(root, FileName);
            if (File.Exists(beside))
            {
                return beside;
            }
        }
        return RepositoryFiles.Find(searchRoots, RepositoryPath);
    }

    /// <summary>Parses <paramref name="path"/> and checks its syntax and the whole <c>lguest</c> section.</summary>
    /// <returns>The config and settings, or an error line naming the file and the problem.</returns>
    public static (Config? Config, LguestSettings? Settings, string? Error) Load(string path)
    {
        if (Directory.Exists(path))
        {
            return (null, null, $"{path} is a directory, not a HOCON file");
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null, $"cannot read {path}: {e.Message}");
        }

        try
        {
            Config config = ConfigurationFactory.ParseString(text);
            if (HoconSyntax.Check(text, config) is string syntax)
            {
                return (null, null, $"{path}: {syntax}");
            }
            var settings = LguestSettings.FromConfig(config);
            _ = Experiments.HostFaults.Read(config); // lguest.faults and lguest.devices.supervision: checked now, before anything starts
            return (config, settings, null);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or InvalidCastException or ArgumentException or OverflowException or NullReferenceException)
        {
            return (null, null, $"{path}: {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }
}
