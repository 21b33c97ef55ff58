namespace LguestActors.Testing;

/// <summary>
/// Finds files in this repository from a test's output folder. Compiled into each test project of
/// the repository (not part of the LguestActors.Testing package, which is repository-free).
/// </summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder that holds LguestActors.sln.</summary>
    public static string Root => LazyRoot.Value;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LguestActors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no LguestActors.sln above {AppContext.BaseDirectory}");
    }
}
