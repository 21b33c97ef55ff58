namespace LguestActors.Actors.Supervision;

/// <summary>
/// Counts one device's restarts in a sliding window: a device that keeps failing is given up on
/// instead of being restarted for ever. Used by the launcher's supervisor strategy only.
/// </summary>
public sealed class RestartBudget
{
    private readonly Queue<DateTime> _restarts = new();
    private readonly int _max;
    private readonly TimeSpan _within;

    public RestartBudget(int max, TimeSpan within)
    {
        _max = max;
        _within = within;
    }

    public int Total { get; private set; }

    /// <summary>True when one more restart at <paramref name="now"/> stays within the budget (and counts it).</summary>
    public bool TryRestart(DateTime now)
    {
        while (_restarts.Count > 0 && now - _restarts.Peek() > _within)
        {
            _restarts.Dequeue();
        }
        if (_restarts.Count >= _max)
        {
            return false;
        }
        _restarts.Enqueue(now);
        Total++;
        return true;
    }
}
