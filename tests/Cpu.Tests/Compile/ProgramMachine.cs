namespace LguestActors.Cpu.Tests.Compile;

/// <summary>A machine for small test programs: one slice of <paramref name="budget"/> instructions, nothing served.</summary>
internal sealed class ProgramMachine(Cpu cpu, long budget) : IGuestMachine
{
    private bool _ran;

    public Cpu Cpu => cpu;

    public RunExit? Exit { get; private set; }

    public bool TryBeginSlice(out long slice)
    {
        slice = budget;
        return !_ran;
    }

    public void EndSlice(RunExit exit)
    {
        _ran = true;
        Exit = exit;
    }
}
