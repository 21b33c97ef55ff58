using System.Text.RegularExpressions;
using LguestActors.Host.Cli;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Docs;

// Docs are tested like code: what they cite exists, the paths they name exist, the usage is the parser's.
public sealed partial class DocsTests
{
    private static readonly string[] SourceFolders = ["src", "tests", "bench", "guest", "config", "docs", "experiments"];

    private static IEnumerable<string> RepositoryTextFiles() =>
        SourceFolders.Select(f => Path.Combine(RepoPaths.Root, f)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}build{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && Path.GetExtension(p) is ".cs" or ".md" or ".hocon" or ".c" or ".h" or ".S" or ".txt" or ".csproj")
            .Append(Path.Combine(RepoPaths.Root, "README.md"));

    private static string Relative(string path) => Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/');

    [GeneratedRegex(@"DESIGN §(\d+)")]
    private static partial Regex DesignCitation();

    [GeneratedRegex(@"(?<![\w/.-])((?:docs|src|tests|bench|guest|config|experiments)/[A-Za-z0-9_./{},-]*[A-Za-z0-9_}])")]
    private static partial Regex RepositoryPath();

    [Fact]
    public void Every_DESIGN_section_the_code_cites_is_in_docs_DESIGN_md()
    {
        string design = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "DESIGN.md"));
        var missing = RepositoryTextFiles()
            .SelectMany(f => DesignCitation().Matches(File.ReadAllText(f)).Select(m => (File: Relative(f), Section: m.Groups[1].Value)))
            .Where(c => !design.Contains($"\n## {c.Section}. ", StringComparison.Ordinal))
            .Select(c => $"{c.File}: DESIGN §{c.Section}")
            .Distinct()
            .ToList();

        Assert.True(missing.Count == 0, "cited sections docs/DESIGN.md does not have: " + string.Join("; ", missing));
    }

    [Fact]
    public void Every_repository_path_the_docs_and_code_name_exists()
    {
        var missing = new List<string>();
        foreach (string file in RepositoryTextFiles())
        {
            foreach (Match m in RepositoryPath().Matches(File.ReadAllText(file)))
            {
                string path = m.Groups[1].Value.TrimEnd('.', ',');
                if (path.Contains("NAME", StringComparison.Ordinal) || path.Contains("/X", StringComparison.Ordinal))
                {
                    continue; // a pattern (tests/X), not a path
                }
                foreach (string expanded in ExpandBraces(path))
                {
                    string full = Path.Combine(RepoPaths.Root, expanded);
                    if (!File.Exists(full) && !Directory.Exists(full) && !IsBuildOutput(expanded))
                    {
                        missing.Add($"{Relative(file)}: {expanded}");
                    }
                }
            }
        }

        Assert.True(missing.Count == 0, "named but not in the repository:\n" + string.Join("\n", missing.Distinct()));
    }

    /// <summary>Build outputs (bin/, guest/build/) are named by the commands that make them.</summary>
    private static bool IsBuildOutput(string path) =>
        path.Contains("/bin/", StringComparison.Ordinal) || path.StartsWith("guest/build", StringComparison.Ordinal)
        || path.Contains("/obj/", StringComparison.Ordinal);

    /// <summary>"a/B{,.x,.y}.cs" → a/B.cs, a/B.x.cs, a/B.y.cs.</summary>
    private static IEnumerable<string> ExpandBraces(string path)
    {
        int open = path.IndexOf('{', StringComparison.Ordinal);
        int close = open < 0 ? -1 : path.IndexOf('}', open);
        if (close < 0)
        {
            return [path];
        }
        return path[(open + 1)..close].Split(',').SelectMany(alt => ExpandBraces(path[..open] + alt + path[(close + 1)..]));
    }

    [Fact]
    public void HOST_md_shows_the_usage_the_program_prints()
    {
        string host = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "HOST.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        string usage = Usage.Text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');

        Assert.Contains("```\n" + usage + "\n```", host, StringComparison.Ordinal);
    }
}
