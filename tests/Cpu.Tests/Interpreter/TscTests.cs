using LguestActors.Cpu.Lguest;
using LguestActors.Testing;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

// RDTSC and lguest_data.tsc_khz come from one time source (Cpu.Tsc), so they agree; a clock
// source keeps counting while the guest does nothing.
public sealed class TscTests
{
    private static TestGuest RdtscTwiceWithAHaltBetween()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.rdtsc();
            a.mov(ebx, eax);
            a.mov(ecx, edx);
            a.hlt();
            a.rdtsc();
            a.hlt();
        });
        return g;
    }

    [Fact]
    public void A_clock_tsc_counts_the_time_the_guest_spent_halted_at_the_rate_lguest_data_announces()
    {
        var clock = new ManualClock();
        var g = RdtscTwiceWithAHaltBetween();
        g.Cpu.Tsc = new ClockTsc(clock);
        g.InitLguestData();
        uint khz = g.Memory.ReadU32(TestGuest.LguestData + LguestDataLayout.TscKhz);

        clock.Advance(TimeSpan.FromMilliseconds(3));
        g.RunToHalt();
        clock.Advance(TimeSpan.FromMilliseconds(250));   // halted: no instruction runs
        g.Cpu.WakeFromHalt();
        g.RunToHalt();

        ulong first = ((ulong)g.Cpu.Ecx << 32) | g.Cpu.Ebx;
        ulong second = ((ulong)g.Cpu.Edx << 32) | g.Cpu.Eax;
        Assert.Equal(1_000_000u, khz);
        Assert.Equal(3UL * khz, first);                   // 3 ms at tsc_khz ticks per ms
        Assert.Equal(250UL * khz, second - first);
    }

    [Fact]
    public void The_default_tsc_counts_retired_instructions_and_stands_still_while_halted()
    {
        var g = RdtscTwiceWithAHaltBetween();
        g.InitLguestData();

        g.RunToHalt();
        g.Cpu.WakeFromHalt();
        g.RunToHalt();

        Assert.Equal(0u, g.Cpu.Ebx);
        Assert.Equal(4u, g.Cpu.Eax);                      // rdtsc, mov, mov, hlt retired before it
        Assert.Equal(1_000_000u, g.Memory.ReadU32(TestGuest.LguestData + LguestDataLayout.TscKhz));
    }

    [Fact]
    public void A_clock_tsc_does_not_overflow_after_a_long_uptime()
    {
        var clock = new ManualClock();
        var tsc = new ClockTsc(clock);

        clock.Advance(TimeSpan.FromDays(400));

        Assert.Equal(400UL * 86_400 * 1_000_000_000, tsc.Read(0));
    }
}
