namespace LguestActors.Actors.Time;

/// <summary>
/// Seeded random numbers that are the same on every machine and every .NET version for ever:
/// xoshiro256** seeded through SplitMix64, written out here because <see cref="Random"/>'s
/// algorithm for a seed is not promised across versions, and a replayed fault plan or schedule
/// must not depend on a library's choice. <see cref="For"/> splits independent streams by name,
/// so one subsystem's extra draw never shifts another's decisions. Not thread-safe.
/// </summary>
public sealed class SeededRandom : Random
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public SeededRandom(ulong seed)
        : base(0) // the base generator is never used: every member is overridden below
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>An independent stream of <paramref name="seed"/> for <paramref name="name"/> (a subsystem, a device, a link).</summary>
    public static SeededRandom For(ulong seed, string name) => new(Mix(seed, name));

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

    /// <summary>A number in [0, <paramref name="bound"/>) (Lemire's multiply-shift).</summary>
    public int NextBelow(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (int)(((UInt128)NextUInt64() * (ulong)bound) >> 64);
    }

    public override int Next() => (int)(NextUInt64() >> 33);

    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return maxValue == 0 ? 0 : NextBelow(maxValue);
    }

    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return (int)(minValue + NextInt64((long)maxValue - minValue));
    }

    public override long NextInt64() => (long)(NextUInt64() >> 1);

    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return maxValue == 0 ? 0 : (long)(((UInt128)NextUInt64() * (ulong)maxValue) >> 64);
    }

    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        ulong range = (ulong)(maxValue - minValue);
        return minValue + (long)(((UInt128)NextUInt64() * range) >> 64);
    }

    /// <summary>A double in [0, 1).</summary>
    public override double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public override float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1U << 24));

    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)(NextUInt64() >> 56);
        }
    }

    protected override double Sample() => NextDouble();

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
