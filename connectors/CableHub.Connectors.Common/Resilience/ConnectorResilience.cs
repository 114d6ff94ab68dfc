using System.Net;
using CableHub.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace CableHub.Connectors.Common.Resilience;

/// <summary>
/// The one resilience recipe every adapter uses, outermost first: total timeout → retry with exponential
/// back-off and jitter (transient failures only) → circuit breaker → timeout per attempt. HTTP adapters get it
/// as a Polly handler on their typed HttpClient (Microsoft.Extensions.Http.Resilience was tried: it swaps the
/// logging source generator of every project that references it for a stricter one, which broke the host's
/// build); others (SMTP, the in-process
/// simulator) as a Polly pipeline. Circuit changes and retries go to the <see cref="ConnectorHealthTracker"/>
/// and the log.
/// </summary>
public static class ConnectorResilience
{
    /// <summary>
    /// Adds the recipe to a typed/named HttpClient as a <see cref="ResilienceHttpHandler"/>. The pipeline is built
    /// once per client registration, so the circuit survives the factory's handler rotation.
    /// </summary>
    public static IHttpClientBuilder AddConnectorResilience(this IHttpClientBuilder builder, ConnectorResilienceOptions options,
        ConnectorHealthTracker health, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        options.Validate(health.Name);
        ResiliencePipeline<HttpResponseMessage>? pipeline = null;
        var gate = new Lock();
        builder.AddHttpMessageHandler(sp =>
        {
            lock (gate)
            {
                pipeline ??= BuildHttpPipeline(options, health,
                    sp.GetService<ILoggerFactory>()?.CreateLogger("CableHub.Connectors." + health.Name) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
                    time);
                return new ResilienceHttpHandler(pipeline);
            }
        });
        return builder;
    }

    /// <summary>The recipe for HTTP calls: transient = 5xx, 408, 429, connection failures, timeouts; a Retry-After (≤ 10 s) sets the delay.</summary>
    public static ResiliencePipeline<HttpResponseMessage> BuildHttpPipeline(ConnectorResilienceOptions options, ConnectorHealthTracker health, ILogger logger,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate(health.Name);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (time is not null)
        {
            builder.TimeProvider = time;
        }

        builder.AddTimeout(options.TotalTimeout);
        var clock = time ?? TimeProvider.System;
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome) && !NotRetried(args.Context)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = options.RetryJitter,
                Delay = options.RetryBaseDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome, clock.GetUtcNow())),
                OnRetry = args =>
                {
                    health.RetryScheduled();
                    logger.LogWarning("{Connector}: attempt {Attempt} failed ({Outcome}); retrying in {Delay} ms",
                        health.Name, args.AttemptNumber + 1, Describe(args.Outcome), (int)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
            OnOpened = args => CircuitOpened(health, logger, args.BreakDuration, Describe(args.Outcome)),
            OnClosed = _ => CircuitClosed(health, logger),
            OnHalfOpened = _ => CircuitHalfOpened(health, logger),
        });
        builder.AddTimeout(options.AttemptTimeout);
        return builder.Build();
    }

    /// <summary>
    /// Set on a request that must not be re-sent by the pipeline (a POST the server cannot deduplicate); the caller
    /// decides what a failure means. Timeouts and the circuit still apply.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> DoNotRetry = new("cablehub.do-not-retry");

    private static bool NotRetried(ResilienceContext context) =>
        context.Properties.TryGetValue(ResilienceHttpHandler.RequestKey, out var request) && request.Options.TryGetValue(DoNotRetry, out var no) && no;

    /// <summary>The server's Retry-After as a delay (seconds, or an HTTP date measured against the pipeline's clock), at most 10 s.</summary>
    internal static TimeSpan? RetryAfter(Outcome<HttpResponseMessage> outcome, DateTimeOffset now)
    {
        var retryAfter = outcome.Result?.Headers.RetryAfter;
        var delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        return delay is { } d && d > TimeSpan.Zero ? (d > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : d) : null;
    }

    /// <summary>
    /// The recipe as a Polly pipeline for calls that are not HTTP. <paramref name="isTransient"/> says which
    /// exceptions count (for retries and for the circuit); others pass through untouched.
    /// </summary>
    public static ResiliencePipeline BuildPipeline(ConnectorResilienceOptions options, ConnectorHealthTracker health, ILogger logger,
        Func<Exception, bool> isTransient, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(isTransient);
        options.Validate(health.Name);
        bool Handles(Outcome<object> outcome) =>
            outcome.Exception is TimeoutRejectedException || (outcome.Exception is { } e && isTransient(e));

        var builder = new ResiliencePipelineBuilder();
        if (time is not null)
        {
            builder.TimeProvider = time;
        }

        builder.AddTimeout(options.TotalTimeout);
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                ShouldHandle = args => ValueTask.FromResult(Handles(args.Outcome)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = options.RetryJitter,
                Delay = options.RetryBaseDelay,
                OnRetry = args =>
                {
                    health.RetryScheduled();
                    logger.LogWarning("{Connector}: attempt {Attempt} failed ({Error}); retrying in {Delay} ms",
                        health.Name, args.AttemptNumber + 1, args.Outcome.Exception?.Message, (int)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            ShouldHandle = args => ValueTask.FromResult(Handles(args.Outcome)),
            OnOpened = args => CircuitOpened(health, logger, args.BreakDuration, args.Outcome.Exception?.Message ?? "failure"),
            OnClosed = _ => CircuitClosed(health, logger),
            OnHalfOpened = _ => CircuitHalfOpened(health, logger),
        });
        builder.AddTimeout(options.AttemptTimeout);
        return builder.Build();
    }

    /// <summary>5xx, 408, 429, connection failures and timeouts: worth another attempt.</summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Exception: OperationCanceledException } => false,
        { Result: { } response } => response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500,
        _ => false,
    };

    /// <summary>A failure the caller should treat as "vendor unavailable, try later".</summary>
    public static bool IsUnavailable(Exception e) => e is BrokenCircuitException or TimeoutRejectedException or HttpRequestException;

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } e ? $"{e.GetType().Name}: {e.Message}" : $"HTTP {(int)outcome.Result!.StatusCode}";

    private static ValueTask CircuitOpened(ConnectorHealthTracker health, ILogger logger, TimeSpan breakDuration, string cause)
    {
        health.SetCircuit(CircuitStatus.Open);
        logger.LogError("{Connector}: circuit OPEN for {Seconds:0.#} s after {Cause}; calls fail fast", health.Name, breakDuration.TotalSeconds, cause);
        return default;
    }

    private static ValueTask CircuitClosed(ConnectorHealthTracker health, ILogger logger)
    {
        health.SetCircuit(CircuitStatus.Closed);
        logger.LogInformation("{Connector}: circuit closed, calls flow again", health.Name);
        return default;
    }

    private static ValueTask CircuitHalfOpened(ConnectorHealthTracker health, ILogger logger)
    {
        health.SetCircuit(CircuitStatus.HalfOpen);
        logger.LogInformation("{Connector}: circuit half-open, trying one call", health.Name);
        return default;
    }
}
