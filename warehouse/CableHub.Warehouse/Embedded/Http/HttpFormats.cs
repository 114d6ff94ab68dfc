namespace CableHub.Warehouse.Embedded.Http;

/// <summary>Content-Type of ClickHouse output formats.</summary>
internal static class HttpFormats
{
    public static string ContentType(string format)
    {
        var f = format.ToLowerInvariant();
        if (f.StartsWith("tabseparated", StringComparison.Ordinal) || f.StartsWith("tsv", StringComparison.Ordinal))
        {
            return "text/tab-separated-values; charset=UTF-8";
        }

        if (f.StartsWith("csv", StringComparison.Ordinal))
        {
            return f.Contains("withnames", StringComparison.Ordinal) ? "text/csv; charset=UTF-8; header=present" : "text/csv; charset=UTF-8; header=absent";
        }

        if (f is "jsoneachrow" or "jsonlines" or "ndjson" or "jsonstringseachrow" or "jsoncompacteachrow" or "jsoncompactstringseachrow"
            || f.StartsWith("jsoneachrow", StringComparison.Ordinal) || f.StartsWith("jsoncompacteachrow", StringComparison.Ordinal))
        {
            return "application/x-ndjson; charset=UTF-8";
        }

        if (f.StartsWith("json", StringComparison.Ordinal))
        {
            return "application/json; charset=UTF-8";
        }

        if (f == "xml")
        {
            return "application/xml; charset=UTF-8";
        }

        if (f.StartsWith("rowbinary", StringComparison.Ordinal) || f is "native" or "parquet" or "arrow" or "arrowstream" or "orc" or "avro"
            or "protobuf" or "protobufsingle" or "capnproto" or "msgpack" or "npy" or "rawblob" or "bsoneachrow")
        {
            return "application/octet-stream";
        }

        return "text/plain; charset=UTF-8";
    }
}
