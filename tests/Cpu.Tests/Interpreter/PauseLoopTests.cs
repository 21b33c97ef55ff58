using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

// PAUSE-loop exiting: a guest spinning on PAUSE leaves Run (ExitReason.Pause) so its owner can
// run the devices; a PAUSE met once does not.
public sealed class PauseLoopTests
{
    [Fact]
    public void A_spin_on_pause_leaves_run_on_its_second_round_just_past_the_pause()
    {
        var g = new TestGuest();
        uint pauseAt = 0;
        g.LoadCode(a =>
        {
            var spin = a.CreateLabel();
            a.mov(ecx, 0);
            a.Label(ref spin);
            a.inc(ecx);
            a.pause();
            a.cmp(__dword_ptr[TestGuest.DataBase], 0);
            a.je(spin);
            a.hlt();
        });
        pauseAt = TestGuest.CodeBase + 5 + 1;            // mov ecx,0 (5 bytes), inc ecx (1)

        RunExit exit = g.Cpu.Run(1_000_000);

        Assert.Equal(ExitReason.Pause, exit.Reason);
        Assert.Equal(2u, g.Cpu.Ecx);                     // the first PAUSE did not exit, the second did
        Assert.Equal(pauseAt + 2, g.Cpu.Eip);            // pause is f3 90
        Assert.Equal(1, g.Cpu.PauseExits);

        g.Memory.WriteU32(TestGuest.DataBase, 1);        // what it waited for happens
        g.RunToHalt();
        Assert.Equal(2u, g.Cpu.Ecx);
    }

    [Fact]
    public void Pauses_far_apart_or_at_different_places_are_not_a_spin()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            var loop = a.CreateLabel();
            a.mov(ecx, 3);
            a.Label(ref loop);
            a.pause();
            for (int i = 0; i < Cpu.PauseLoopGap; i++)
            {
                a.nop();
            }
            a.pause();
            a.dec(ecx);
            a.jne(loop);
            a.hlt();
        });

        g.RunToHalt();

        Assert.Equal(0, g.Cpu.PauseExits);
    }

    [Fact]
    public void With_pause_loop_exiting_off_a_spin_runs_on_until_the_budget()
    {
        var g = new TestGuest();
        g.Cpu.PauseLoopExiting = false;
        g.LoadCode(a =>
        {
            var spin = a.CreateLabel();
            a.Label(ref spin);
            a.pause();
            a.jmp(spin);
        });

        RunExit exit = g.Cpu.Run(1000);

        Assert.Equal(ExitReason.BudgetSpent, exit.Reason);
        Assert.Equal(0, g.Cpu.PauseExits);
    }
}
