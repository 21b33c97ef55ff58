using System.Security.Cryptography;
using LguestActors.Actors.Time;

namespace LguestActors.Actors.Devices.Rng;

/// <summary>Where the entropy device's bytes come from. Called on the device actor's thread only.</summary>
public interface IEntropySource
{
    void Fill(Span<byte> buffer);
}

/// <summary>The operating system's cryptographic generator (getrandom on Linux): real-time runs.</summary>
public sealed class OsEntropySource : IEntropySource
{
    public static readonly OsEntropySource Instance = new();

    private OsEntropySource()
    {
    }

    public void Fill(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);
}

/// <summary>
/// Bytes from a seed (<see cref="SeededRandom"/>): the same on every machine, so a simulated run
/// replays to the same digest. Not entropy — for deterministic simulation and tests only.
/// </summary>
public sealed class SeededEntropySource : IEntropySource
{
    private readonly SeededRandom _random;

    /// <param name="seed">The run's seed.</param>
    /// <param name="stream">The device's name (rng0): each device draws its own stream.</param>
    public SeededEntropySource(ulong seed, string stream = "rng0")
    {
        _random = SeededRandom.For(seed, stream);
    }

    public void Fill(Span<byte> buffer) => _random.NextBytes(buffer);
}
