using LguestActors.Host.Configuration;

namespace LguestActors.Host.Cli;

/// <summary>Reads the kernel image the command line names (or finds the bundled sample guest), and the initrd.</summary>
internal static class KernelFile
{
    /// <summary>The sample guest, relative to the repository root and to the host's output folder (the build copies it).</summary>
    public const string SampleGuestPath = "guest/prebuilt/kernel.elf";

    /// <returns>The image and where it came from, or one line saying what is wrong.</returns>
    public static (byte[] Image, string Path, string? Error) Read(string? kernelPath, IReadOnlyList<string> searchRoots)
    {
        ArgumentNullException.ThrowIfNull(searchRoots);
        string? path = kernelPath ?? LocateSampleGuest(searchRoots);
        if (path is null)
        {
            return ([], "", $"no kernel given and the sample guest {SampleGuestPath} is not built (run 'make -C guest', or name a kernel: {Usage.ProgramName} 64 vmlinux)");
        }
        return ReadImage(path, "kernel");
    }

    /// <summary>
    /// Reads a guest image file (<paramref name="what"/>: "kernel", "initrd"), or says in one line
    /// why it cannot: missing, a directory, unreadable or empty.
    /// </summary>
    public static (byte[] Image, string Path, string? Error) ReadImage(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            string article = "aeiou".Contains(what[0], StringComparison.Ordinal) ? "an" : "a";
            return ([], path, $"{what} '{path}' is a directory, not {article} {what} image");
        }
        if (!File.Exists(path))
        {
            return ([], path, $"{what} '{path}' not found");
        }

        byte[] image;
        try
        {
            image = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return ([], path, $"cannot read {what} '{path}': {e.Message}");
        }
        return image.Length == 0
            ? ([], path, $"{what} '{path}' is empty")
            : (image, path, null);
    }

    private static string? LocateSampleGuest(IReadOnlyList<string> searchRoots)
    {
        foreach (string root in searchRoots)
        {
            string beside = Path.Combine(root, SampleGuestPath);
            if (File.Exists(beside))
            {
                return beside;
            }
        }
        return RepositoryFiles.Find(searchRoots, SampleGuestPath);
    }
}
