namespace CableHub.Connectors.Cas.Tests;

/// <summary>Waits for a condition to come true (never to prove that something did not happen).</summary>
internal static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, TimeSpan within)
        where T : class
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {within}");
            }

            await Task.Delay(100);
        }
    }
}
