namespace LguestActors.Host.Configuration;

/// <summary>
/// Finds a file by its path inside the source tree, for a host run from a checkout: walks up from
/// each search root to the directory holding LguestActors.sln.
/// </summary>
internal static class RepositoryFiles
{
    public const string SolutionFile = "LguestActors.sln";

    public static string? Find(IEnumerable<string> searchRoots, string relativePath)
    {
        foreach (string root in searchRoots)
        {
            for (DirectoryInfo? dir = new(Path.GetFullPath(root)); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                {
                    string candidate = Path.Combine(dir.FullName, relativePath);
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                    break;
                }
            }
        }
        return null;
    }
}
