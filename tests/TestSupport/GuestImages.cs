namespace LguestActors.Testing;

/// <summary>
/// Finds guest images (kernel ELF files) for boot scenarios without knowing any repository:
/// the folder named by the <c>LGUEST_GUEST_IMAGES</c> environment variable, else the first
/// <c>guest/prebuilt</c> folder above the test's output folder (where this repository keeps
/// the sample kernel). Or pass the bytes yourself: every helper that boots takes them.
/// </summary>
public static class GuestImages
{
    /// <summary>The environment variable naming the folder of guest images.</summary>
    public const string Setting = "LGUEST_GUEST_IMAGES";

    /// <summary>The sample kernel's file name.</summary>
    public const string SampleKernel = "kernel.elf";

    /// <summary>The folder the images are read from, or null when there is none.</summary>
    public static string? Folder
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable(Setting);
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "guest", "prebuilt");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
            return null;
        }
    }

    /// <summary>The bytes of image <paramref name="file"/> (default: the sample kernel).</summary>
    /// <exception cref="FileNotFoundException">no such image; the message names the folder and the setting.</exception>
    public static byte[] Read(string file = SampleKernel)
    {
        string? folder = Folder;
        string? path = folder is null ? null : Path.Combine(folder, file);
        if (path is null || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"guest image {file} not found in {folder ?? "(no folder)"}: set {Setting} to the folder that holds it, or pass the image bytes", path ?? file);
        }
        return File.ReadAllBytes(path);
    }
}
