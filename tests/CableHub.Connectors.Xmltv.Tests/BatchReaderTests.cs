using System.Text;

namespace CableHub.Connectors.Xmltv.Tests;

public sealed class BatchReaderTests
{
    [Fact]
    public async Task Batches_hold_every_normalised_programme_and_the_report_is_complete()
    {
        var normaliser = new XmltvNormaliser();
        var sizes = new List<int>();
        await foreach (var batch in XmltvBatchReader.ReadBatchesAsync(File.OpenRead(TestFiles.Fixture("UK_Data.xml")), normaliser, batchSize: 500, cancellationToken: TestContext.Current.CancellationToken))
        {
            sizes.Add(batch.Length);
        }

        sizes.ShouldBe([500, 500, 500, 415]);
        var report = normaliser.BuildReport();
        report.ProgrammesAccepted.ShouldBe(1915);
        normaliser.Completed.ShouldBeTrue();
    }

    [Fact]
    public async Task A_malformed_file_fails_after_the_batches_before_the_fault()
    {
        var body = string.Concat(Enumerable.Range(0, 30).Select(i =>
            TestFiles.P("a", $"202501010{i / 10}{i % 10 * 5:00}00 +0000", null, $"P{i}") + "\n"));
        var xml = TestFiles.Tv(body + "<programme start=\"20250102000000\" channel=\"a\"><title>bad</programme>\n");
        var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        var received = 0;

        var ex = await Should.ThrowAsync<XmltvFormatException>(async () =>
        {
            await foreach (var batch in XmltvBatchReader.ReadBatchesAsync(stream, new XmltvNormaliser(new XmltvNormaliserOptions { ReorderWindow = 0 }), batchSize: 10, cancellationToken: TestContext.Current.CancellationToken))
            {
                received += batch.Length;
            }
        });

        ex.LineNumber.ShouldBe(34);
        received.ShouldBe(20);
    }

    [Fact]
    public async Task Stopping_early_stops_the_background_reading()
    {
        using var file = TestFiles.Generate(new XmltvGeneratorOptions { Channels = 10, ProgrammesPerChannel = 2000, Details = false }, out _);
        var tracked = new DisposeTrackingStream(file);
        var batches = 0;
        await foreach (var _ in XmltvBatchReader.ReadBatchesAsync(tracked, new XmltvNormaliser(), batchSize: 100, queuedBatches: 1, cancellationToken: TestContext.Current.CancellationToken))
        {
            if (++batches == 3)
            {
                break;
            }
        }

        tracked.Disposed.ShouldBeTrue();
        tracked.Position.ShouldBeLessThan(tracked.Length);
    }

    private sealed class DisposeTrackingStream(MemoryStream inner) : Stream
    {
        public bool Disposed { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 4096));
        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
