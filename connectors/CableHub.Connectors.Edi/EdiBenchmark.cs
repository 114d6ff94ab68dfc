using System.Diagnostics;
using System.Globalization;
using CableHub.Connectors.Edi.Generation;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi;

/// <summary>Figures of one EDI benchmark run. 1 MB = 1,048,576 bytes.</summary>
public sealed record EdiBenchmarkResult(
    long Bytes,
    int Transactions,
    long Segments,
    long SerialNumbers,
    TimeSpan TokenizeElapsed,
    TimeSpan ParseElapsed)
{
    /// <summary>Segment tokenizing only (delimiters, element offsets).</summary>
    public double TokenizeMegabytesPerSecond => Bytes / 1048576.0 / TokenizeElapsed.TotalSeconds;

    /// <summary>The full path: tokenize, envelope validation, 856 model with HL checks, mapping to <see cref="ShipNotice"/>.</summary>
    public double MegabytesPerSecond => Bytes / 1048576.0 / ParseElapsed.TotalSeconds;

    /// <summary>The benchmark convention: "RESULT name value unit" lines, the headline figure last.</summary>
    public IReadOnlyList<string> ResultLines =>
    [
        string.Create(CultureInfo.InvariantCulture, $"RESULT edi_tokenize_mb_per_s {TokenizeMegabytesPerSecond:F1} MB/s"),
        string.Create(CultureInfo.InvariantCulture, $"RESULT edi_mb_per_s {MegabytesPerSecond:F1} MB/s"),
    ];

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"EDI 856: {Bytes / 1048576.0:F1} MB, {Transactions} transaction sets, {Segments} segments, {SerialNumbers} serial numbers; " +
        $"tokenize {TokenizeElapsed.TotalMilliseconds:F0} ms ({TokenizeMegabytesPerSecond:F1} MB/s), " +
        $"parse+map {ParseElapsed.TotalMilliseconds:F0} ms ({MegabytesPerSecond:F1} MB/s)");
}

/// <summary>
/// Measures parsing throughput on a generated 856 interchange of the requested size held in memory (generation
/// is not timed): once for the tokenizer alone and once for the full parse into <see cref="ShipNotice"/>s.
/// </summary>
public static class EdiBenchmark
{
    public static EdiBenchmarkResult Run(int megabytes, X12ShipNoticeGeneratorOptions? shape = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(megabytes, 1);
        var options = (shape ?? new X12ShipNoticeGeneratorOptions()) with { TargetBytes = megabytes * 1048576L };
        var bytes = new X12ShipNoticeGenerator(options).ToBytes();

        // Warm up (JIT, pools) on a small slice of the same shape.
        var warmup = new X12ShipNoticeGenerator(options with { TargetBytes = 1048576 }).ToBytes();
        Tokenize(warmup);
        Parse(warmup);

        var watch = Stopwatch.StartNew();
        var segments = Tokenize(bytes);
        var tokenize = watch.Elapsed;

        watch.Restart();
        var (transactions, serials) = Parse(bytes);
        var parse = watch.Elapsed;
        return new EdiBenchmarkResult(bytes.LongLength, transactions, segments, serials, tokenize, parse);
    }

    private static long Tokenize(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var reader = new X12SegmentReader(stream);
        long elements = 0;
        while (reader.Read())
        {
            elements += reader.Current.ElementCount;
        }

        return elements > 0 ? reader.SegmentNumber : 0;
    }

    private static (int Transactions, long Serials) Parse(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var transactions = 0;
        long serials = 0;
        foreach (var t in X12Parser.ReadTransactions(stream))
        {
            var notice = ShipNoticeMapper.FromX12(t.Transaction, t.Interchange);
            transactions++;
            serials += notice.SerialNumberCount;
        }

        return (transactions, serials);
    }
}
