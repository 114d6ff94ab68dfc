using System.Diagnostics;
using System.IO.Pipes;

namespace CableHub.Connectors.Xmltv.Tests;

/// <summary>Large generated files streamed through an OS pipe: no seeking, no whole-file buffering.</summary>
public sealed class StreamingTests
{
    [Trait("Category", "Benchmark")]
    [Fact]
    public async Task A_large_file_through_a_pipe_is_normalised_in_bounded_managed_memory()
    {
        var options = new XmltvGeneratorOptions
        {
            Channels = 120,
            ProgrammesPerChannel = 2000,
            Order = XmltvGeneratedOrder.ByTime,
            DuplicateRate = 0.01,
            OverlapRate = 0.01,
            MissingStopRate = 0.01,
            TitleLanguages = ["en", "fr"],
            Seed = 99,
        };
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        client.CanSeek.ShouldBeFalse();
        var producer = Task.Run(() =>
        {
            try
            {
                return XmltvGenerator.Write(server, options);
            }
            finally
            {
                server.Dispose();
            }
        }, TestContext.Current.CancellationToken);

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0, seen = 0, stopsTrimmed = 0;
        var clock = Stopwatch.StartNew();
        var normaliser = new XmltvNormaliser();
        foreach (var p in normaliser.Normalise(XmltvReader.ReadAll(client, leaveOpen: true), TestContext.Current.CancellationToken))
        {
            if (p.Stop != p.Programme.Stop)
            {
                stopsTrimmed++;
            }

            if (++seen % 40_000 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        clock.Stop();
        var generated = await producer;
        var report = normaliser.BuildReport("pipe");

        generated.Bytes.ShouldBeGreaterThan(200_000_000);
        report.Programmes.ShouldBe(generated.Programmes);
        report.ProgrammesAccepted.ShouldBe(generated.DistinctProgrammes);
        seen.ShouldBe(report.ProgrammesAccepted);
        stopsTrimmed.ShouldBe(generated.Overlaps + generated.MissingStops);
        peak.ShouldBeLessThan(48L * 1024 * 1024, $"live managed memory while streaming {generated.Bytes / 1_000_000} MB");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{generated.Programmes} programmes, {generated.Bytes / 1_000_000} MB through a pipe in {clock.Elapsed.TotalSeconds:0.0} s "
            + $"(generator running concurrently; {generated.Programmes / clock.Elapsed.TotalSeconds:0} programmes/s); peak live managed memory {peak / 1_000_000} MB");
    }

    [Fact]
    public async Task The_async_reader_streams_a_pipe_without_blocking_reads()
    {
        var options = new XmltvGeneratorOptions { Channels = 20, ProgrammesPerChannel = 500, Order = XmltvGeneratedOrder.ByTime, Seed = 5 };
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var producer = Task.Run(() =>
        {
            try
            {
                return XmltvGenerator.Write(server, options);
            }
            finally
            {
                server.Dispose();
            }
        }, TestContext.Current.CancellationToken);
        var source = new SyncReadCountingStream(client);

        var normaliser = new XmltvNormaliser();
        var count = 0;
        var items = XmltvReader.ReadAllAsync(source, leaveOpen: true, cancellationToken: TestContext.Current.CancellationToken);
        await foreach (var _ in normaliser.NormaliseAsync(items, TestContext.Current.CancellationToken))
        {
            count++;
        }

        var generated = await producer;
        count.ShouldBe(10_000);
        normaliser.BuildReport().Programmes.ShouldBe(generated.Programmes);
        source.AsyncReads.ShouldBeGreaterThan(0);
        source.SyncReads.ShouldBe(0);
    }

    private sealed class SyncReadCountingStream(Stream inner) : Stream
    {
        public int SyncReads { get; private set; }
        public int AsyncReads { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            SyncReads++;
            return inner.Read(buffer, offset, count);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            AsyncReads++;
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
