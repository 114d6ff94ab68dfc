using CableHub.Connectors.Edi.Generation;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>Runs alone (no parallel tests) so that process-wide memory figures belong to it.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class StreamingTests
{
    [Trait("Category", "Benchmark")]
    [Fact]
    public void A_200_MB_856_stream_is_parsed_without_holding_it_in_memory()
    {
        const long target = 200L * 1024 * 1024;
        var generator = new X12ShipNoticeGenerator(new X12ShipNoticeGeneratorOptions { TargetBytes = target, SerialsPerItem = 25, LineEnding = "\r\n" });
        using var stream = generator.OpenStream();
        stream.CanSeek.ShouldBeFalse();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        var transactions = 0;
        long serials = 0;
        long levels = 0;
        foreach (var t in X12Parser.ReadTransactions(stream))
        {
            var notice = ShipNoticeMapper.FromX12(t.Transaction, t.Interchange);
            transactions++;
            serials += notice.SerialNumberCount;
            levels += t.Transaction.ShipNotice!.Levels.Count;
            if (transactions % 64 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false) - baseline);
            }
        }

        generator.Statistics.Bytes.ShouldBeGreaterThanOrEqualTo(target - 64 * 1024);
        transactions.ShouldBe(generator.Statistics.Transactions);
        serials.ShouldBe(generator.Statistics.SerialNumbers);
        levels.ShouldBe(generator.Statistics.HierarchicalLevels);
        serials.ShouldBeGreaterThan(6_000_000);
        // Holding the input (200 MB) or its parse (millions of strings) would need far more than this.
        peak.ShouldBeLessThan(64L * 1024 * 1024, $"peak managed heap growth {peak / 1048576} MB while streaming {generator.Statistics.Bytes / 1048576} MB");
        GC.GetTotalMemory(forceFullCollection: true).ShouldBeLessThan(baseline + (16L * 1024 * 1024));
    }
}
