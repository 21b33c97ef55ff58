namespace LguestActors.Simulation.Engine;

/// <summary>
/// The simulation's random numbers: xoshiro256** seeded through SplitMix64. Written out here, not
/// <see cref="Random"/>, so that a seed gives the same numbers on every machine and every .NET
/// version for ever (a replay must not depend on a library's choice of algorithm).
/// </summary>
public sealed class ScheduleRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public ScheduleRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>An independent stream for <paramref name="name"/> (a subsystem): one stream's extra draw never shifts another's.</summary>
    public static ScheduleRandom For(ulong seed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new ScheduleRandom(Mix(seed, name));
    }

    /// <summary>A seed derived from <paramref name="seed"/> and <paramref name="name"/> (FNV-1a of the name, mixed).</summary>
    public static ulong Mix(ulong seed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ulong h = 14695981039346656037;
        foreach (char c in name)
        {
            h = (h ^ c) * 1099511628211;
        }
        ulong x = seed ^ h;
        return SplitMix(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A number in [0, <paramref name="bound"/>), unbiased enough for scheduling (Lemire's multiply-shift).</summary>
    public int NextBelow(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (int)(((UInt128)NextUInt64() * (ulong)bound) >> 64);
    }

    /// <summary>A double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
