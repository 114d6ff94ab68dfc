using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace CableHub.Warehouse.Embedded.Http;

/// <summary>What a request to ClickHouse's HTTP interface asks for: URL parameters, headers, form fields.</summary>
internal sealed class HttpQueryRequest
{
    // Parameters that are not settings (HTTPHandler's reserved names plus the ones it reads itself).
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "query", "database", "default_format", "compress", "decompress", "user", "password", "quota_key", "query_id",
        "stacktrace", "buffer_size", "wait_end_of_query", "session_id", "session_timeout", "session_check",
        "client_protocol_version", "close_session", "role", "default_role",
    };

    // Settings that shape the HTTP exchange itself; the endpoint honours them rather than the engine.
    private static readonly HashSet<string> HttpOnly = new(StringComparer.Ordinal)
    {
        "enable_http_compression", "http_zlib_compression_level", "send_progress_in_http_headers",
        "http_headers_progress_interval_ms", "add_http_cors_header", "http_response_buffer_size", "http_wait_end_of_query",
        "cancel_http_readonly_queries_on_client_close", "http_write_exception_in_output_format",
        "http_native_compression_disable_checksumming_on_decompress",
    };

    public string? Query { get; private init; }

    public string? Database { get; private init; }

    public string DefaultFormat { get; private init; } = "TabSeparated";

    public string QueryId { get; private init; } = "";

    public string? SessionId { get; private init; }

    public TimeSpan SessionTimeout { get; private init; } = TimeSpan.FromSeconds(60);

    public bool SessionCheck { get; private init; }

    public bool CloseSession { get; private init; }

    public bool CompressResponse { get; private init; }

    public int? ZlibLevel { get; private init; }

    public bool WaitEndOfQuery { get; private init; }

    public bool InternalCompression { get; private init; }

    public bool IsReadOnlyMethod { get; private init; }

    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; private init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; private init; } = [];

    public static HttpQueryRequest From(HttpRequest request, IEnumerable<KeyValuePair<string, string>> formFields)
    {
        var all = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in request.Query)
        {
            foreach (var value in values)
            {
                all.Add(new(key, value ?? ""));
            }
        }

        all.AddRange(formFields);
        var last = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in all)
        {
            last[key] = value;
        }

        string? Get(string name) => last.TryGetValue(name, out var v) ? v : null;
        string? Header(string name) => request.Headers.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v.ToString()) ? v.ToString() : null;

        var settings = new List<KeyValuePair<string, string>>();
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in last)
        {
            if (key.StartsWith("param_", StringComparison.Ordinal))
            {
                parameters.Add(new(key["param_".Length..], value));
            }
            else if (key.Length > 0 && !Reserved.Contains(key) && !HttpOnly.Contains(key))
            {
                settings.Add(new(key, value));
            }
        }

        var method = request.Method;
        return new HttpQueryRequest
        {
            Query = Get("query"),
            Database = Header("X-ClickHouse-Database") ?? NullIfEmpty(Get("database")),
            DefaultFormat = Header("X-ClickHouse-Format") ?? NullIfEmpty(Get("default_format")) ?? "TabSeparated",
            QueryId = NullIfEmpty(Get("query_id")) ?? Header("X-ClickHouse-Query-Id") ?? Guid.NewGuid().ToString(),
            SessionId = NullIfEmpty(Get("session_id")),
            SessionTimeout = TimeSpan.FromSeconds(int.TryParse(Get("session_timeout"), NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 60),
            SessionCheck = Get("session_check") == "1",
            CloseSession = Flag(Get("close_session")),
            CompressResponse = Flag(Get("enable_http_compression")),
            ZlibLevel = int.TryParse(Get("http_zlib_compression_level"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var level) ? level : null,
            WaitEndOfQuery = Flag(Get("wait_end_of_query")) || Flag(Get("http_wait_end_of_query")),
            InternalCompression = Flag(Get("compress")) || Flag(Get("decompress")),
            IsReadOnlyMethod = HttpMethods.IsGet(method) || HttpMethods.IsHead(method),
            Settings = settings,
            Parameters = parameters,
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static bool Flag(string? value) => value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));
}
