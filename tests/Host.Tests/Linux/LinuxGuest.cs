using LguestActors.Testing;

namespace LguestActors.Host.Tests.Linux;

/// <summary>
/// Where the real Linux guest is (test data, not part of the repository): the folder named by
/// <see cref="EnvironmentVariable"/>, or else a <c>shared/linux</c> folder above the repository
/// (this machine keeps it in /work/shared/linux). A clean clone elsewhere has neither, and the
/// tests that need it are reported as skipped, with the reason; a variable naming a folder
/// without the kernel is a mistake, and those tests fail saying so.
/// </summary>
internal static class LinuxGuest
{
    public const string EnvironmentVariable = "LGUEST_LINUX_DIR";
    public const string KernelName = "vmlinux-3.10";

    private static readonly Lazy<Location> Found = new(() => Locate(Environment.GetEnvironmentVariable(EnvironmentVariable), RepoPaths.Root));

    /// <summary>The kernel; throws with what is wrong when there is none.</summary>
    public static string Kernel =>
        Found.Value.Directory is string dir ? Path.Combine(dir, KernelName) : throw new InvalidOperationException(Found.Value.Error ?? Found.Value.SkipReason);

    /// <summary>The user space the build packs (guest/linux, `make -C guest`).</summary>
    public static string Initramfs => Path.Combine(RepoPaths.Root, "guest", "prebuilt", "initramfs.cpio");

    /// <summary>Why the Linux tests cannot run on this machine, or null when they can (or must fail).</summary>
    public static string? SkipReason => Found.Value.SkipReason;

    /// <param name="Directory">The folder holding the kernel, or null.</param>
    /// <param name="SkipReason">Set when there is no kernel here: the tests are skipped.</param>
    /// <param name="Error">Set when the variable names a folder without the kernel: the tests fail.</param>
    public sealed record Location(string? Directory, string? SkipReason, string? Error);

    public static Location Locate(string? variable, string repositoryRoot)
    {
        if (!string.IsNullOrEmpty(variable))
        {
            return File.Exists(Path.Combine(variable, KernelName))
                ? new Location(variable, null, null)
                : new Location(null, null, $"{EnvironmentVariable}={variable} has no {KernelName}");
        }
        for (var dir = new DirectoryInfo(repositoryRoot).Parent; dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "linux");
            if (File.Exists(Path.Combine(candidate, KernelName)))
            {
                return new Location(candidate, null, null);
            }
        }
        return new Location(null, $"no real Linux guest here: set {EnvironmentVariable} to a folder holding {KernelName} " +
            "(docs/LINUX.md), or keep it in shared/linux above the repository", null);
    }
}

/// <summary>A test that boots the real Linux guest: skipped, with the reason, where there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (LinuxGuest.SkipReason is string reason)
        {
            Skip = reason;
        }
    }
}
