using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Host.Experiments;

namespace LguestActors.Host.Tests.Experiments;

/// <summary>The rng workload's check catches what a broken restart would do.</summary>
public sealed class RngCountWorkloadTests
{
    private static string Lines(int seed, params int[] order)
    {
        var bytes = new byte[order.Max() * 16 + 16];
        RngCountWorkload.Source(seed).Fill(bytes);
        return string.Concat(order.Select(i => $"rng {i} {Convert.ToHexStringLower(bytes.AsSpan((i - 1) * 16, 16))}\r\n"));
    }

    private static readonly VmExited Done3 = new("rng", GuestExitKind.PowerOff, "rng: done 3");

    [Fact]
    public void Every_request_once_with_its_own_bytes_passes()
    {
        Assert.True(RngCountWorkload.Check(7, 3, Lines(7, 1, 2, 3), Done3).Passed);
    }

    [Fact]
    public void A_request_filled_twice_shifts_the_bytes_after_it_and_is_caught()
    {
        var bytes = new byte[64];
        RngCountWorkload.Source(7).Fill(bytes);
        // Request 2 drew twice: its line shows the third 16 bytes, request 3 the fourth.
        string output = Lines(7, 1) + $"rng 2 {Convert.ToHexStringLower(bytes.AsSpan(32, 16))}\r\nrng 3 {Convert.ToHexStringLower(bytes.AsSpan(48, 16))}\r\n";

        var check = RngCountWorkload.Check(7, 3, output, Done3);

        Assert.False(check.Passed);
        Assert.Equal("2 request(s) answered with bytes drawn out of turn (a request filled twice)", check.Problem);
    }

    [Fact]
    public void A_lost_request_and_a_repeated_one_are_counted()
    {
        var check = RngCountWorkload.Check(7, 3, Lines(7, 1, 1, 3), Done3);

        Assert.Equal((1, 1), (check.Lost, check.Duplicated));
    }
}
