using System.Net;
using CableHub.Connectors.Common.Resilience;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Polly;

namespace CableHub.Connectors.Cas.Tests;

/// <summary>
/// A server's <c>Retry-After</c> sets the retry delay, and an HTTP-date value is measured against the pipeline's clock (not
/// the machine's): with a clock far from the wall clock, the delay is still the three seconds the server asked for.
/// </summary>
public sealed class RetryAfterTests
{
    [Fact]
    public async Task A_retry_after_date_is_measured_against_the_pipelines_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var health = new ConnectorHealthTracker("cas", "http", "http://cas.test/", clock);
        var pipeline = ConnectorResilience.BuildHttpPipeline(new ConnectorResilienceOptions
        {
            MaxRetries = 1,
            RetryBaseDelay = TimeSpan.FromSeconds(30), // what an ignored Retry-After would give
            RetryJitter = false,
            TotalTimeout = TimeSpan.FromMinutes(5),
            AttemptTimeout = TimeSpan.FromMinutes(1),
            MinimumThroughput = 100,
            SamplingDuration = TimeSpan.FromMinutes(1),
            BreakDuration = TimeSpan.FromMinutes(1),
        }, health, NullLogger.Instance, clock);

        var calls = 0;
        var call = pipeline.ExecuteAsync(_ =>
        {
            calls++;
            var response = new HttpResponseMessage(calls == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
            if (calls == 1)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(clock.GetUtcNow().AddSeconds(3));
            }

            return ValueTask.FromResult(response);
        }, TestContext.Current.CancellationToken).AsTask();

        await WaitUntilAsync(() => calls == 1);
        clock.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        calls.ShouldBe(1, "retried before the Retry-After date");
        clock.Advance(TimeSpan.FromSeconds(1.5));
        using var response = await call.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        calls.ShouldBe(2);
        health.Snapshot().Retries.ShouldBe(1);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline);
            await Task.Delay(20);
        }
    }
}
