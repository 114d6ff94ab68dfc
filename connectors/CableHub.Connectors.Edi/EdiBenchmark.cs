using System.Diagnostics;
using System.Globalization;
using CableHub.Connectors.Edi.Generation;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi;

/// <summary>Figures of one EDI benchmark run (best of its iterations). 1 MB = 1,048,576 bytes.</summary>
public sealed record EdiBenchmarkResult(
    long Bytes,
    int Transactions,
    long Segments,
    long SerialNumbers,
    TimeSpan TokenizeElapsed,
    TimeSpan ParseElapsed,
    TimeSpan ParseProcessorTime)
{
    /// <summary>Segment tokenizing only (delimiters, element offsets).</summary>
    public double TokenizeMegabytesPerSecond => Bytes / 1048576.0 / TokenizeElapsed.TotalSeconds;

    /// <summary>The full path, wall clock: tokenize, envelope validation, 856 model with HL checks, mapping to <see cref="ShipNotice"/>.</summary>
    public double MegabytesPerSecond => Bytes / 1048576.0 / ParseElapsed.TotalSeconds;

    /// <summary>The full path per second of CPU used by the process (all threads, GC included): what the code does when the machine is not shared.</summary>
    public double MegabytesPerCpuSecond => Bytes / 1048576.0 / ParseProcessorTime.TotalSeconds;

    /// <summary>The benchmark convention: "RESULT name value unit" lines, the headline figure last.</summary>
    public IReadOnlyList<string> ResultLines =>
    [
        string.Create(CultureInfo.InvariantCulture, $"RESULT edi_tokenize_mb_per_s {TokenizeMegabytesPerSecond:F1} MB/s"),
        string.Create(CultureInfo.InvariantCulture, $"RESULT edi_mb_per_s {MegabytesPerSecond:F1} MB/s"),
    ];

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"EDI 856: {Bytes / 1048576.0:F1} MB, {Transactions} transaction sets, {Segments} segments, {SerialNumbers} serial numbers; " +
        $"tokenize {TokenizeElapsed.TotalMilliseconds:F0} ms ({TokenizeMegabytesPerSecond:F1} MB/s); " +
        $"parse+map {ParseElapsed.TotalMilliseconds:F0} ms ({MegabytesPerSecond:F1} MB/s wall, {MegabytesPerCpuSecond:F1} MB per CPU second)");
}

/// <summary>
/// Measures parsing throughput on a generated 856 interchange of the requested size held in memory (generation is
/// not timed): the tokenizer alone, and the full parse into <see cref="ShipNotice"/>s. After a warm-up (JIT tiers),
/// each is timed <c>iterations</c> times and the best run is reported.
/// </summary>
public static class EdiBenchmark
{
    public static EdiBenchmarkResult Run(int megabytes, int iterations = 3, X12ShipNoticeGeneratorOptions? shape = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(megabytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var options = (shape ?? new X12ShipNoticeGeneratorOptions()) with { TargetBytes = megabytes * 1048576L };
        var bytes = new X12ShipNoticeGenerator(options).ToBytes();

        var warmup = new X12ShipNoticeGenerator(options with { TargetBytes = 4 * 1048576 }).ToBytes();
        for (var i = 0; i < 3; i++)
        {
            Tokenize(warmup);
            Parse(warmup);
        }

        var process = Process.GetCurrentProcess();
        TimeSpan tokenize = TimeSpan.MaxValue, parse = TimeSpan.MaxValue, cpu = TimeSpan.MaxValue;
        long segments = 0;
        (int Transactions, long Serials) counts = default;
        for (var i = 0; i < iterations; i++)
        {
            GC.Collect();
            var watch = Stopwatch.StartNew();
            segments = Tokenize(bytes);
            tokenize = Min(tokenize, watch.Elapsed);

            GC.Collect();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            watch.Restart();
            counts = Parse(bytes);
            parse = Min(parse, watch.Elapsed);
            process.Refresh();
            cpu = Min(cpu, process.TotalProcessorTime - cpuBefore);
        }

        return new EdiBenchmarkResult(bytes.LongLength, counts.Transactions, segments, counts.Serials, tokenize, parse, cpu);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

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
