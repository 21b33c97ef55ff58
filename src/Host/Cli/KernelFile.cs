using LguestActors.Host.Configuration;

namespace LguestActors.Host.Cli;

/// <summary>Reads the kernel image the command line names (or finds the bundled sample guest), and the initrd.</summary>
internal static class KernelFile
{
    /// <summary>The sample guest, relative to the repository root and to the host's output folder (the build copies it).</summary>
    public const string SampleGuestPath = "guest/prebuilt/kernel.elf";

    /// <summary>The largest kernel that can fit in the most RAM a guest gets.</summary>
    public const long MaxKernelBytes = (long)LaunchOptions.MaxMemoryMegabytes << 20;

    /// <returns>The image and where it came from, or one line saying what is wrong.</returns>
    public static (byte[] Image, string Path, string? Error) Read(string? kernelPath, IReadOnlyList<string> searchRoots)
    {
        ArgumentNullException.ThrowIfNull(searchRoots);
        string? path = kernelPath ?? LocateSampleGuest(searchRoots);
        if (path is null)
        {
            return ([], "", $"no kernel given and the sample guest {SampleGuestPath} is not built (run 'make -C guest', or name a kernel: {Usage.ProgramName} 64 kernel.elf)");
        }
        return ReadImage(path, "kernel", "an i386 ELF kernel image");
    }

    /// <summary>The <c>--initrd=FILE</c> image: any bytes (the kernel judges its format), from a regular file that fits in RAM.</summary>
    public static (byte[] Image, string Path, string? Error) ReadInitrd(string path) =>
        ReadImage(path, "initrd", "an initramfs (a cpio archive, compressed or not)");

    /// <summary>
    /// Reads a guest image file (<paramref name="what"/>: "kernel", "initrd"), or says in one line
    /// why it cannot: missing, a directory, empty or not a regular file, too big, unreadable.
    /// </summary>
    private static (byte[] Image, string Path, string? Error) ReadImage(string path, string what, string expected)
    {
        if (Directory.Exists(path))
        {
            return ([], path, $"{what} '{path}' is a directory, not {Article(what)} {what} image");
        }
        if (!File.Exists(path))
        {
            return ([], path, $"{what} '{path}' not found");
        }

        // A device (/dev/zero) or a FIFO reports no size and would be read for ever, or block:
        // only a regular file of a plausible size is read.
        long length = new FileInfo(path).Length;
        if (length == 0)
        {
            return ([], path, $"{what} '{path}' is empty or not a regular file (a device or a pipe); give {expected}");
        }
        if (length > MaxKernelBytes)
        {
            return ([], path, $"{what} '{path}' is {length} bytes; {Article(what)} {what} must fit in guest RAM (at most {MaxKernelBytes} bytes)");
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
        return (image, path, null);
    }

    private static string Article(string word) => "aeiou".Contains(word[0], StringComparison.Ordinal) ? "an" : "a";

    /// <summary>
    /// Checks <paramref name="image"/> as the launcher will load it into <paramref name="ramBytes"/>
    /// of RAM, so a bad image is one line before anything starts.
    /// </summary>
    public static string? CheckImage(string path, ReadOnlySpan<byte> image, ulong ramBytes)
    {
        try
        {
            Cpu.Loader.Elf32Loader.Check(image, ramBytes);
            return null;
        }
        catch (Cpu.Loader.GuestImageException e)
        {
            return $"kernel '{path}': {e.Message}";
        }
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
