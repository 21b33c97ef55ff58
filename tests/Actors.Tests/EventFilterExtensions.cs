using Akka.TestKit;

namespace LguestActors.Actors.Tests;

internal static class EventFilterExtensions
{
    /// <summary>Expects exactly one matching log event while <paramref name="action"/> runs.</summary>
    public static Task ExpectOneWhileAsync(this IEventFilterApplier filter, Action action, TimeSpan timeout) =>
        filter.ExpectOneAsync(timeout, () =>
        {
            action();
            return Task.CompletedTask;
        });
}
