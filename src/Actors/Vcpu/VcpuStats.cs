using LguestActors.Cpu.Lguest;

namespace LguestActors.Actors.Vcpu;

/// <summary>Ask the vCPU what the guest has done so far (benchmarks, tests). Replies <see cref="VcpuStats"/>.</summary>
public sealed record GetVcpuStats
{
    public static readonly GetVcpuStats Instance = new();
}

/// <param name="Retired">Guest instructions retired.</param>
/// <param name="Hypercalls">Hypercalls the guest made (int 0x1f / vmcall), by lguest call number (the index).</param>
/// <param name="AsyncHypercalls">Calls the vCPU took from the guest's async ring that needed it (NOTIFY, SET_CLOCKEVENT, ...).</param>
/// <param name="PauseExits">Slices the guest ended spin-waiting on PAUSE, giving the devices the CPU (PAUSE-loop exiting).</param>
public sealed record VcpuStats(ulong Retired, IReadOnlyList<long> Hypercalls, long AsyncHypercalls, long PauseExits)
{
    /// <summary>How many times the guest made hypercall <paramref name="call"/>.</summary>
    public long Count(uint call) => call < Hypercalls.Count ? Hypercalls[(int)call] : 0;
}

/// <summary>The vCPU actor's running counts behind <see cref="VcpuStats"/>.</summary>
internal sealed class VcpuCounters
{
    private readonly long[] _hypercalls = new long[Cpu.Lguest.Hypercalls.SendInterrupts + 1];

    public long AsyncHypercalls { get; set; }

    public long PauseExits { get; set; }

    public void CountHypercall(uint call)
    {
        if (call < _hypercalls.Length)
        {
            _hypercalls[call]++;
        }
    }

    public VcpuStats Snapshot(ulong retired) => new(retired, _hypercalls.ToArray(), AsyncHypercalls, PauseExits);
}
