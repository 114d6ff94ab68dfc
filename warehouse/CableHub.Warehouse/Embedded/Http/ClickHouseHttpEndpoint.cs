using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CableHub.Warehouse.Sql;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CableHub.Warehouse.Embedded.Http;

/// <summary>
/// The part of ClickHouse's HTTP interface that ClickHouse.Driver and curl users rely on, served over
/// chDB: <c>/ping</c>; queries by GET (read-only) or POST, in the URL's <c>query</c> and/or the body;
/// <c>param_*</c> query parameters; settings as URL parameters; <c>database</c>, <c>default_format</c>,
/// <c>query_id</c>, <c>session_id</c>; compressed request and response bodies; INSERT data streamed into
/// chDB's streaming-insert API (never spliced into SQL); results streamed chunk by chunk.
/// Each request runs on a thread of its own (chDB calls block).
/// </summary>
internal sealed class ClickHouseHttpEndpoint : IDisposable
{
    private const int ReadChunk = 256 * 1024;
    private const int InsertChunk = 1024 * 1024;
    private const int MaxQueryBytes = 128 * 1024 * 1024;
    private static readonly TimeSpan MidStreamCloseWait = TimeSpan.FromSeconds(30);

    private readonly ChdbConnectionPool _pool;
    private readonly ILogger _logger;
    private readonly string _timezone;
    private readonly string _displayName;
    private readonly string _versionSuffix;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private int _inFlight;
    private TaskCompletionSource? _drained;

    public ClickHouseHttpEndpoint(ChdbEngine engine, ILogger logger, string timezone)
    {
        _pool = new ChdbConnectionPool(engine);
        _logger = logger;
        _timezone = timezone;
        _displayName = Environment.MachineName;
        _versionSuffix = $" (version {engine.Version})";
    }

    public Task HandleAsync(HttpContext context)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }

            _inFlight++;
        }

        return Task.Factory.StartNew(
            () =>
            {
                try
                {
                    Handle(context);
                }
                finally
                {
                    lock (_gate)
                    {
                        if (--_inFlight == 0)
                        {
                            _drained?.TrySetResult();
                        }
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>Stops taking requests and waits (up to <paramref name="timeout"/>) for running ones; streamed results stop at the next chunk.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        Task drained;
        lock (_gate)
        {
            _stopping.Cancel();
            if (_inFlight == 0)
            {
                return true;
            }

            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }

        return await Task.WhenAny(drained, Task.Delay(timeout)).ConfigureAwait(false) == drained;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _pool.Dispose();
        _stopping.Dispose();
    }

    private void Handle(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers["X-ClickHouse-Server-Display-Name"] = _displayName;
        var path = request.Path.Value ?? "/";
        try
        {
            if (path is "/ping" or "/replicas_status")
            {
                WriteText(response, 200, "Ok.\n");
                return;
            }

            if (path is not ("/" or ""))
            {
                WriteText(response, 404, $"There is no handle {path}\n\nUse / or /ping for health checks.\nSend queries with POST method or GET /?query=...\n");
                return;
            }

            if (HttpMethods.IsOptions(request.Method))
            {
                response.Headers.Allow = "GET, HEAD, POST, OPTIONS";
                response.StatusCode = 204;
                return;
            }

            if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsPost(request.Method)))
            {
                WriteText(response, 405, $"Method {request.Method} is not allowed; use GET or POST.\n");
                return;
            }

            var formFields = ReadFormFields(request);
            if (HttpMethods.IsGet(request.Method) && !request.Query.ContainsKey("query") && formFields.Count == 0)
            {
                WriteText(response, 200, "Ok.\n");
                return;
            }

            var spec = HttpQueryRequest.From(request, formFields);
            response.Headers["X-ClickHouse-Query-Id"] = spec.QueryId;
            try
            {
                Execute(context, spec, formFields.Count > 0);
            }
            catch (ChdbException e)
            {
                WriteError(context, spec, e);
            }
            finally
            {
                if (spec.CloseSession && spec.SessionId is { } sessionId)
                {
                    _pool.CloseSession(sessionId);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // The client went away or sent a broken request; nothing more can be said to it.
            _logger.LogDebug(e, "Embedded ClickHouse: request {Path} ended early", path);
            context.Abort();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Embedded ClickHouse: request {Path} failed unexpectedly", path);
            if (!response.HasStarted)
            {
                WriteError(context, null, new ChdbException($"Code: {ChdbException.UnknownErrorCode}. DB::Exception: {e.GetType().Name}: {e.Message}. (STD_EXCEPTION)"));
            }
            else
            {
                context.Abort();
            }
        }
    }

    private void Execute(HttpContext context, HttpQueryRequest spec, bool bodyWasForm)
    {
        if (spec.InternalCompression)
        {
            throw HttpErrors.Error(48, "NOT_IMPLEMENTED", "The 'compress'/'decompress' parameters (ClickHouse's native block compression) are not supported by the embedded engine; use Content-Encoding / Accept-Encoding");
        }

        var request = context.Request;
        Stream? body = null;
        if (HttpMethods.IsPost(request.Method) && !bodyWasForm)
        {
            body = HttpCodecs.Decompress(request.Body, request.Headers.ContentEncoding.ToString());
        }

        try
        {
            var head = ReadHead(spec.Query, body);
            if (head.Split.Kind == InsertDataKind.Data)
            {
                Insert(context, spec, head, body);
            }
            else
            {
                // A decoder may stop at the end of its frame before the transport's end of body; leaving
                // those bytes unread makes an aborted connection close with a reset (losing the response).
                DrainRequestBody(request);
                Query(context, spec, Encoding.UTF8.GetString(head.Buffer, 0, head.Length));
            }
        }
        catch (InvalidDataException e)
        {
            throw HttpErrors.Error(271, "CANNOT_DECOMPRESS", $"Cannot decompress the request body (Content-Encoding: {request.Headers.ContentEncoding}): {e.Message}");
        }
        finally
        {
            if (body is not null && !ReferenceEquals(body, request.Body))
            {
                body.Dispose();
            }
        }
    }

    private void Query(HttpContext context, HttpQueryRequest spec, string sql)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            throw HttpErrors.Error(62, "SYNTAX_ERROR", "Empty query");
        }

        using var lease = Rent(spec);
        var connection = lease.Connection;
        var statement = connection.Classify(sql);
        if (statement.StatementCount > 1)
        {
            throw HttpErrors.Error(62, "SYNTAX_ERROR", $"Syntax error (Multi-statements are not allowed): the request holds {statement.StatementCount} statements; send one statement per request");
        }

        if (spec.IsReadOnlyMethod && statement.Class is not (ChdbStatementClass.ReadOnly or ChdbStatementClass.Unknown))
        {
            throw HttpErrors.Error(164, "READONLY", "Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries");
        }

        if (statement.Class is ChdbStatementClass.Control && !lease.IsSession)
        {
            // USE/SET/... change the connection's state: it must not go back to the pool.
            lease.Discard();
        }

        var format = ClickHouseSqlScanner.FindOutputFormat(sql) ?? spec.DefaultFormat;
        var joiner = statement.Class == ChdbStatementClass.ReadOnly ? ChunkJoiner.For(format) : null;
        if (joiner is not null)
        {
            try
            {
                Streamed(context, spec, sql, format, joiner, lease);
                return;
            }
            catch (ChdbException e) when (e.Code == 36 && e.Message.Contains("Streaming query is not supported", StringComparison.Ordinal))
            {
                // Some read-only statements have no streaming form in chDB: run them whole.
            }
        }

        using var result = connection.Query(sql, spec.DefaultFormat, OrNull(spec.Parameters));
        WriteSuccessHeaders(context.Response, spec, format, result.Stats);
        var output = OpenOutput(context, spec);
        try
        {
            output.Write(result.Data);
        }
        finally
        {
            CloseOutput(context, output, completed: true);
        }
    }

    /// <summary>Sends a result chunk by chunk as chDB produces it; the status line goes out with the first chunk.</summary>
    private void Streamed(HttpContext context, HttpQueryRequest spec, string sql, string format, ChunkJoiner joiner, ChdbConnectionPool.Lease lease)
    {
        var response = context.Response;
        using var stream = lease.Connection.QueryStream(sql, spec.DefaultFormat, OrNull(spec.Parameters));
        var first = stream.Next();
        List<ChdbResult>? held = null;
        if (spec.WaitEndOfQuery && first is not null)
        {
            held = [first];
            while (stream.Next() is { } next)
            {
                held.Add(next);
            }
        }

        var tag = ExceptionTag();
        WriteSuccessHeaders(response, spec, format, stream.Stats);
        response.Headers["X-ClickHouse-Exception-Tag"] = tag;
        var output = OpenOutput(context, spec);
        var completed = false;
        try
        {
            if (held is not null)
            {
                foreach (var chunk in held)
                {
                    using (chunk)
                    {
                        output.Write(joiner.Continue(chunk.Data));
                    }
                }
            }
            else if (first is not null)
            {
                using (first)
                {
                    output.Write(joiner.Continue(first.Data));
                }

                while (true)
                {
                    if (context.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
                    {
                        stream.Cancel();
                        lease.Discard();
                        context.Abort();
                        return;
                    }

                    ChdbResult? next;
                    try
                    {
                        next = stream.Next();
                    }
                    catch (ChdbException e)
                    {
                        WriteMidStreamException(context, output, tag, e);
                        lease.Discard();
                        return;
                    }

                    if (next is null)
                    {
                        break;
                    }

                    using (next)
                    {
                        output.Write(joiner.Continue(next.Data));
                    }
                }
            }

            completed = true;
        }
        catch (Exception e) when (e is not ChdbException)
        {
            lease.Discard();
            throw;
        }
        finally
        {
            CloseOutput(context, output, completed);
        }
    }

    private static Stream OpenOutput(HttpContext context, HttpQueryRequest spec)
    {
        var codec = spec.CompressResponse ? HttpCodecs.ChooseResponseCodec(context.Request.Headers.AcceptEncoding) : null;
        if (codec is null)
        {
            return context.Response.Body;
        }

        context.Response.Headers.ContentEncoding = codec;
        return HttpCodecs.Compress(context.Response.Body, codec, spec.ZlibLevel);
    }

    private static void CloseOutput(HttpContext context, Stream output, bool completed)
    {
        if (ReferenceEquals(output, context.Response.Body))
        {
            return;
        }

        if (completed)
        {
            output.Dispose();
        }
        else
        {
            DisposeQuietly(output);
        }
    }

    private void Insert(HttpContext context, HttpQueryRequest spec, QueryHead head, Stream? body)
    {
        if (spec.IsReadOnlyMethod)
        {
            throw HttpErrors.Error(164, "READONLY", "Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries");
        }

        var statement = Encoding.UTF8.GetString(head.Buffer, 0, head.Split.StatementLength).Trim();
        using var lease = Rent(spec);
        ChdbQueryStats stats;
        var completed = false;
        try
        {
            using (var insert = lease.Connection.BeginInsert(statement, head.Split.Format, OrNull(spec.Parameters)))
            {
                insert.Append(head.Buffer.AsSpan(head.Split.DataStart, head.Length - head.Split.DataStart));
                if (body is not null)
                {
                    var buffer = new byte[InsertChunk];
                    while (true)
                    {
                        var filled = 0;
                        int n;
                        while (filled < buffer.Length && (n = body.Read(buffer, filled, buffer.Length - filled)) > 0)
                        {
                            filled += n;
                        }

                        if (filled == 0)
                        {
                            break;
                        }

                        insert.Append(buffer.AsSpan(0, filled));
                        if (filled < buffer.Length)
                        {
                            break;
                        }
                    }
                }

                DrainRequestBody(context.Request);
                stats = insert.Complete();
            }

            completed = true;
        }
        finally
        {
            if (!completed)
            {
                lease.Discard();
            }
        }

        var response = context.Response;
        WriteSuccessHeaders(response, spec, spec.DefaultFormat, stats);
        response.ContentType = "text/plain; charset=UTF-8";
    }

    private ChdbConnectionPool.Lease Rent(HttpQueryRequest spec) =>
        spec.SessionId is { } sessionId
            ? _pool.RentSession(sessionId, spec.SessionTimeout, spec.SessionCheck, spec.Database, spec.Settings)
            : _pool.Rent(spec.Database, spec.Settings);

    /// <summary>
    /// Reads the query text: the URL's <c>query</c>, a line break, then the body (as ClickHouse does).
    /// For an INSERT with data it stops where the data begins; the rest of the body is the data.
    /// </summary>
    private static QueryHead ReadHead(string? urlQuery, Stream? body)
    {
        var buffer = urlQuery is { Length: > 0 } ? Encoding.UTF8.GetBytes(urlQuery + "\n") : new byte[ReadChunk];
        var length = urlQuery is { Length: > 0 } ? buffer.Length : 0;
        var ended = body is null;
        while (true)
        {
            var split = ClickHouseSqlScanner.FindInsertData(buffer.AsSpan(0, length), complete: ended);
            if (split.Kind == InsertDataKind.Data)
            {
                return new QueryHead(buffer, length, split);
            }

            if (split.Kind == InsertDataKind.None && ended)
            {
                return new QueryHead(buffer, length, split);
            }

            // Need more text: either to decide, or (not an INSERT with data) the whole query.
            if (length + ReadChunk > buffer.Length)
            {
                if (length >= MaxQueryBytes)
                {
                    throw HttpErrors.Error(202, "QUERY_IS_TOO_LARGE", $"Query is too large for the embedded engine's HTTP interface (more than {MaxQueryBytes} bytes before any INSERT data)");
                }

                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + ReadChunk));
            }

            var n = body!.Read(buffer, length, buffer.Length - length);
            if (n == 0)
            {
                ended = true;
            }

            length += n;
        }
    }

    private void WriteSuccessHeaders(HttpResponse response, HttpQueryRequest spec, string format, ChdbQueryStats stats)
    {
        response.StatusCode = 200;
        response.ContentType = HttpFormats.ContentType(format);
        response.Headers["X-ClickHouse-Format"] = format;
        response.Headers["X-ClickHouse-Timezone"] = _timezone;
        response.Headers["X-ClickHouse-Query-Id"] = spec.QueryId;
        response.Headers["X-ClickHouse-Summary"] = Summary(stats);
    }

    private void WriteError(HttpContext context, HttpQueryRequest? spec, ChdbException error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return;
        }

        _logger.LogDebug("Embedded ClickHouse: query {QueryId} failed: {Error}", spec?.QueryId, error.Message);
        response.Headers.Remove("X-ClickHouse-Exception-Tag");
        response.Headers.ContentEncoding = default;
        response.Headers["X-ClickHouse-Exception-Code"] = error.Code.ToString(CultureInfo.InvariantCulture);
        var message = error.Message.Contains("(version ", StringComparison.Ordinal) ? error.Message : error.Message + _versionSuffix;
        WriteText(response, HttpErrors.StatusFor(error.ErrorName), message + "\n");
    }

    /// <summary>
    /// The result already started: append ClickHouse's in-band exception block (which the driver turns
    /// into a ClickHouseServerException) and end the body without its final chunk, so the client sees a
    /// truncated response. The socket is half-closed (FIN after every queued byte) rather than aborted:
    /// an abort resets the connection and the client would lose the block.
    /// </summary>
    private void WriteMidStreamException(HttpContext context, Stream output, string tag, ChdbException error)
    {
        _logger.LogDebug("Embedded ClickHouse: streamed result failed mid-way: {Error}", error.Message);
        var message = error.Message.Contains("(version ", StringComparison.Ordinal) ? error.Message : error.Message + _versionSuffix;
        var size = Encoding.UTF8.GetByteCount(message);
        try
        {
            output.Write(Encoding.UTF8.GetBytes($"__exception__\r\n{tag}\r\n{message}\n{size} {tag}\r\n__exception__\r\n"));
            output.Flush();

            // The socket transport's MaxWriteBufferSize is 1: this returns once every byte is in the socket.
            context.Response.Body.Flush();
            if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
            {
                socket.Shutdown(SocketShutdown.Send);

                // Let the client read to the end and close its side before the connection is torn down.
                WaitHandle.WaitAny([context.RequestAborted.WaitHandle, _stopping.Token.WaitHandle], MidStreamCloseWait);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug(e, "Embedded ClickHouse: could not deliver a mid-stream exception");
        }

        context.Abort();
    }

    private static void WriteText(HttpResponse response, int status, string text)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=UTF-8";
        var bytes = Encoding.UTF8.GetBytes(text);
        response.ContentLength = bytes.Length;
        response.Body.Write(bytes);
    }

    private static void DrainRequestBody(HttpRequest request)
    {
        if (HttpMethods.IsPost(request.Method) && !IsMultipart(request))
        {
            request.Body.CopyTo(Stream.Null);
        }
    }

    private static bool IsMultipart(HttpRequest request) =>
        request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true;

    private static List<KeyValuePair<string, string>> ReadFormFields(HttpRequest request)
    {
        // Like ClickHouse, only multipart bodies are forms (ClickHouse.Driver's UseFormDataParameters);
        // an urlencoded body (curl -d) is the query itself.
        if (!HttpMethods.IsPost(request.Method) || !IsMultipart(request))
        {
            return [];
        }

        var form = request.ReadFormAsync().GetAwaiter().GetResult();
        return [.. form.SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? "")))];
    }

    private static string Summary(ChdbQueryStats s) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"read_rows\":\"{s.ReadRows}\",\"read_bytes\":\"{s.ReadBytes}\",\"written_rows\":\"{s.WrittenRows}\",\"written_bytes\":\"{s.WrittenBytes}\",\"total_rows_to_read\":\"{s.ReadRows}\",\"result_rows\":\"{s.ResultRows}\",\"result_bytes\":\"{s.ResultBytes}\",\"elapsed_ns\":\"{(long)(s.Elapsed.TotalMilliseconds * 1_000_000)}\"}}");

    private static string ExceptionTag()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz";
        return RandomNumberGenerator.GetString(alphabet, 16);
    }

    /// <summary>URL parameters arrive in ClickHouse's escaped text form, which is what chDB expects too.</summary>
    private static IReadOnlyList<KeyValuePair<string, string>>? OrNull(IReadOnlyList<KeyValuePair<string, string>> parameters) =>
        parameters.Count == 0 ? null : parameters;

    private static void DisposeQuietly(Stream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private readonly record struct QueryHead(byte[] Buffer, int Length, InsertDataSplit Split);
}
