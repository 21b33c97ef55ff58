namespace LguestActors.Host.Tests.Hosting;

/// <summary>
/// A fact that needs file permissions to bite: root writes a read-only (0444) file anyway, so as
/// root the test is reported as skipped, with this reason, rather than passing silently.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NotAsRootFactAttribute : FactAttribute
{
    public NotAsRootFactAttribute()
    {
        if (!OperatingSystem.IsWindows() && Environment.UserName == "root")
        {
            Skip = "runs as root, who may write a 0444 file: the unwritable-disk case cannot be made here";
        }
    }
}
