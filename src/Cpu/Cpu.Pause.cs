namespace LguestActors.Cpu;

// PAUSE-loop exiting, as Intel's PLE does it in hardware: a guest that runs the same PAUSE again
// within a few instructions is spin-waiting (Linux's cpu_relax(), typically for a device to
// consume what it was just kicked with). Burning the host CPU on that spin only delays the
// device, so Run returns ExitReason.Pause and the owner gives the devices the CPU first.
public sealed partial class Cpu
{
    /// <summary>
    /// Two executions of one PAUSE at most this many instructions apart are a spin (PLE's ple_gap):
    /// a tight polling loop is a handful of instructions; a PAUSE met once in straight code never exits.
    /// </summary>
    public const int PauseLoopGap = 64;

    private uint _lastPauseEip = uint.MaxValue;
    private ulong _lastPauseRetired;

    /// <summary>
    /// On (the default): a spinning PAUSE ends Run. Off: PAUSE is a plain no-op, as on a host
    /// without PLE (KVM's ple_gap=0) — for measuring what the exits buy.
    /// </summary>
    public bool PauseLoopExiting { get; set; } = true;

    /// <summary>PAUSEs that ended a Run because the guest was spinning.</summary>
    public long PauseExits { get; private set; }

    internal void OnPause(uint eip)
    {
        ulong now = RetiredNow;
        bool spinning = eip == _lastPauseEip && now - _lastPauseRetired <= PauseLoopGap;
        _lastPauseEip = eip;
        _lastPauseRetired = now;
        if (spinning && PauseLoopExiting)
        {
            PauseExits++;
            _exit = ExitReason.Pause;
            _stop = true;
        }
    }
}
