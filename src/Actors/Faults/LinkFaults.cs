namespace LguestActors.Actors.Faults;

/// <summary>Message-level faults on one kind of link (vCPU→device kicks or device→/irq IRQs).</summary>
/// <param name="Drop">Probability a message is lost.</param>
/// <param name="Delay">Probability a message arrives <paramref name="DelayBy"/> late (and possibly out of order).</param>
/// <param name="Duplicate">Probability a message arrives twice.</param>
/// <param name="DelayBy">How late a delayed message arrives.</param>
public sealed record LinkFaults(double Drop, double Delay, double Duplicate, TimeSpan DelayBy)
{
    public static LinkFaults None { get; } = new(0, 0, 0, TimeSpan.FromMilliseconds(5));

    public bool IsActive => Drop > 0 || Delay > 0 || Duplicate > 0;

    internal LinkAction Decide(Random random)
    {
        double r = random.NextDouble();
        if (r < Drop)
        {
            return LinkAction.Drop;
        }
        r -= Drop;
        if (r < Delay)
        {
            return LinkAction.Delay;
        }
        r -= Delay;
        return r < Duplicate ? LinkAction.Duplicate : LinkAction.Deliver;
    }
}
