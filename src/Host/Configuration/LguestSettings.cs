using Akka.Configuration;

namespace LguestActors.Host.Configuration;

/// <summary>The console escape: <see cref="Count"/> presses of <see cref="Key"/> within <see cref="Window"/> stop the VM.</summary>
/// <param name="Key">The byte the terminal sends for the key (Ctrl-C is 3), or null when the escape is off.</param>
internal sealed record ConsoleEscape(byte? Key, int Count, TimeSpan Window);

/// <summary>The <c>lguest</c> section of config/akka.hocon, read once and checked, so a bad setting is one clear line at startup.</summary>
internal sealed record LguestSettings(
    int SliceInstructions,
    string VcpuDispatcher,
    int RingSize,
    string DeviceIoDispatcher,
    ConsoleEscape ConsoleEscape)
{
    public const string SliceInstructionsPath = "lguest.vcpu.slice-instructions";
    public const string VcpuDispatcherPath = "lguest.vcpu.dispatcher";
    public const string RingSizePath = "lguest.virtio.ring-size";
    public const string DeviceIoDispatcherPath = "lguest.devices.io-dispatcher";
    public const string EscapeKeyPath = "lguest.console.escape-key";
    public const string EscapeCountPath = "lguest.console.escape-count";
    public const string EscapeWindowPath = "lguest.console.escape-window";

    /// <summary>Every key this class reads.</summary>
    public static readonly IReadOnlyList<string> Paths =
    [
        SliceInstructionsPath, VcpuDispatcherPath, RingSizePath, DeviceIoDispatcherPath,
        EscapeKeyPath, EscapeCountPath, EscapeWindowPath,
    ];

    /// <summary>The largest legacy virtqueue: its index is a u16 and the size a power of two.</summary>
    public const int MaxRingSize = 32768;

    /// <exception cref="ConfigurationException">a key is missing or its value is out of range; the message names the key.</exception>
    public static LguestSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (string path in Paths)
        {
            if (!config.HasPath(path))
            {
                throw new ConfigurationException($"{path} is missing");
            }
        }

        int slice = config.GetInt(SliceInstructionsPath);
        if (slice <= 0)
        {
            throw new ConfigurationException($"{SliceInstructionsPath} must be a positive number of instructions, not {slice}");
        }
        int ring = config.GetInt(RingSizePath);
        if (ring <= 0 || ring > MaxRingSize || (ring & (ring - 1)) != 0)
        {
            throw new ConfigurationException($"{RingSizePath} must be a power of two from 1 to {MaxRingSize}, not {ring}");
        }
        string vcpuDispatcher = RequireDispatcher(config, VcpuDispatcherPath);
        string ioDispatcher = RequireDispatcher(config, DeviceIoDispatcherPath);

        byte? key = ParseEscapeKey(config.GetString(EscapeKeyPath));
        int count = config.GetInt(EscapeCountPath);
        if (count < 1)
        {
            throw new ConfigurationException($"{EscapeCountPath} must be at least 1, not {count}");
        }
        TimeSpan window = config.GetTimeSpan(EscapeWindowPath);
        if (window <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"{EscapeWindowPath} must be a positive duration, not {window}");
        }

        return new LguestSettings(slice, vcpuDispatcher, ring, ioDispatcher, new ConsoleEscape(key, count, window));
    }

    /// <summary>"ctrl-a" .. "ctrl-z" → 1 .. 26, the byte a raw terminal sends; "off" → null.</summary>
    internal static byte? ParseEscapeKey(string? value)
    {
        string text = (value ?? "").Trim().ToLowerInvariant();
        if (text == "off")
        {
            return null;
        }
        if (text.Length == 6 && text.StartsWith("ctrl-", StringComparison.Ordinal) && text[5] is >= 'a' and <= 'z')
        {
            return (byte)(text[5] - 'a' + 1);
        }
        throw new ConfigurationException($"{EscapeKeyPath} must be \"ctrl-a\" .. \"ctrl-z\" or \"off\", not \"{value}\"");
    }

    private static string RequireDispatcher(Config config, string path)
    {
        string id = config.GetString(path) ?? "";
        if (id.Length == 0 || !config.HasPath(id))
        {
            throw new ConfigurationException($"{path} names dispatcher \"{id}\", which the configuration does not define");
        }
        return id;
    }
}
