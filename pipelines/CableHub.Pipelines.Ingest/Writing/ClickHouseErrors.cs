using System.Net.Http;
using System.Net.Sockets;
using CableHub.Pipelines.Ingest.Envelopes;
using ClickHouse.Driver;
using ClickHouse.Driver.Copy;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace CableHub.Pipelines.Ingest.Writing;

/// <summary>Which ClickHouse failures are worth retrying, and the retry pipeline (Polly) the ingester uses.</summary>
internal static class ClickHouseErrors
{
    // ClickHouse error codes (src/Common/ErrorCodes.cpp) that say "try again later", not "this data is wrong".
    private static readonly HashSet<int> TransientCodes =
    [
        159, // TIMEOUT_EXCEEDED
        164, // READONLY
        202, // TOO_MANY_SIMULTANEOUS_QUERIES
        203, // NO_FREE_CONNECTION
        209, // SOCKET_TIMEOUT
        210, // NETWORK_ERROR
        236, // ABORTED
        241, // MEMORY_LIMIT_EXCEEDED
        242, // TABLE_IS_READ_ONLY
        252, // TOO_MANY_PARTS
        285, // TOO_FEW_LIVE_REPLICAS
        319, // UNKNOWN_STATUS_OF_INSERT
        394, // QUERY_WAS_CANCELLED
        425, // SYSTEM_ERROR
        473, // DEADLOCK_AVOIDED
        999, // KEEPER_EXCEPTION
    ];

    // The table or a column vanished or differs from what the ingester cached (dropped/recreated by hand).
    private static readonly HashSet<int> SchemaDriftCodes =
    [
        8,  // THERE_IS_NO_COLUMN
        16, // NO_SUCH_COLUMN_IN_TABLE
        47, // UNKNOWN_IDENTIFIER
        60, // UNKNOWN_TABLE
        81, // UNKNOWN_DATABASE
    ];

    // Errors caused by the data of the insert: the offending rows are isolated and dead-lettered.
    private static readonly HashSet<int> DataCodes =
    [
        6,   // CANNOT_PARSE_TEXT
        27,  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
        32,  // ATTEMPT_TO_READ_AFTER_EOF
        33,  // CANNOT_READ_ALL_DATA
        38,  // CANNOT_PARSE_DATE
        41,  // CANNOT_PARSE_DATETIME
        53,  // TYPE_MISMATCH
        69,  // ARGUMENT_OUT_OF_BOUND
        70,  // CANNOT_CONVERT_TYPE
        72,  // CANNOT_PARSE_NUMBER
        117, // INCORRECT_DATA
        131, // TOO_LARGE_STRING_SIZE
        190, // SIZES_OF_ARRAYS_DONT_MATCH
        321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
        349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
        407, // DECIMAL_OVERFLOW
        469, // VIOLATED_CONSTRAINT (a CHECK constraint added to a raw table)
        691, // UNKNOWN_ELEMENT_OF_ENUM
    ];

    // DDL refused because of what the source schema asks for (a name or type ClickHouse will not take): the event is dead-lettered.
    private static readonly HashSet<int> SchemaCodes =
    [
        15,  // DUPLICATE_COLUMN
        36,  // BAD_ARGUMENTS
        43,  // ILLEGAL_TYPE_OF_ARGUMENT
        44,  // ILLEGAL_COLUMN
        50,  // UNKNOWN_TYPE
        62,  // SYNTAX_ERROR
        420, // CANNOT_UPDATE_COLUMN
        524, // ALTER_OF_COLUMN_IS_FORBIDDEN
    ];

    /// <summary>A failure that says nothing about the data: worth waiting for (network, overload, server restarting).</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        ClickHouseServerException server => server.ErrorCode < 0 || TransientCodes.Contains(server.ErrorCode),
        HttpRequestException or IOException or SocketException or TimeoutException => true,
        TaskCanceledException canceled => !canceled.CancellationToken.IsCancellationRequested, // HTTP timeout, not our shutdown
        AggregateException aggregate => aggregate.InnerExceptions.All(IsTransient),
        _ => e.InnerException is not null && e is not OperationCanceledException && IsTransient(e.InnerException),
    };

    /// <summary>The insert's data is at fault (server-side parse/convert errors, or the driver could not serialize a value).</summary>
    public static bool IsDataError(Exception e) =>
        e is ClickHouseBulkCopySerializationException
        || (e is ClickHouseServerException server && DataCodes.Contains(server.ErrorCode));

    /// <summary>The DDL derived from the source schema is at fault.</summary>
    public static bool IsSchemaError(Exception e) =>
        e is ClickHouseServerException server && SchemaCodes.Contains(server.ErrorCode);

    public static bool IsSchemaDrift(Exception e) =>
        e is ClickHouseServerException server && SchemaDriftCodes.Contains(server.ErrorCode);

    /// <summary>
    /// Retried with back-off: everything except errors of the data or schema (handled by dead-lettering), drift (handled by
    /// repair) and our own cancellation. Unknown permanent failures (permissions, a read-only server) are retried too: the
    /// ingester stalls visibly (stats, logs) with its offsets uncommitted rather than dead-lettering every event.
    /// </summary>
    public static bool ShouldRetry(Exception e) => e switch
    {
        TaskCanceledException canceled => !canceled.CancellationToken.IsCancellationRequested,
        OperationCanceledException => false,
        InvalidEnvelopeException or ArgumentException => false,
        _ => !IsDataError(e) && !IsSchemaError(e) && !IsSchemaDrift(e),
    };

    public static ResiliencePipeline RetryPipeline(RetrySettings settings, ILogger logger, IngestStats stats, string what) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && ShouldRetry(e)),
                MaxRetryAttempts = settings.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.BaseDelay,
                MaxDelay = settings.MaxDelay,
                OnRetry = args =>
                {
                    stats.OnRetry(args.Outcome.Exception);
                    logger.Log(
                        args.Outcome.Exception is { } e && IsTransient(e) ? LogLevel.Warning : LogLevel.Error,
                        args.Outcome.Exception,
                        "ClickHouse {What} failed (attempt {Attempt}); retrying in {Delay}",
                        what,
                        args.AttemptNumber + 1,
                        args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
