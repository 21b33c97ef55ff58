using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

/// <summary>The test kit's guide shows a scenario that runs: the one in TestKitGuideExample.cs.</summary>
public sealed class TestKitGuideTests
{
    [Fact]
    public void The_guide_shows_the_example_scenario_that_runs_in_the_suite()
    {
        string guide = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "TestSupport", "README.md")).ReplaceLineEndings("\n");
        string example = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Actors.Tests", "TestKitGuideExample.cs")).ReplaceLineEndings("\n");
        string body = example[example.IndexOf("using ", StringComparison.Ordinal)..].TrimEnd('\n');

        Assert.Contains("```csharp\n" + body + "\n```", guide, StringComparison.Ordinal);
    }
}
