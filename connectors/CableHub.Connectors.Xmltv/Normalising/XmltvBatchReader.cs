using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace CableHub.Connectors.Xmltv;

/// <summary>
/// Reads and normalises on a background thread and hands out batches of programmes through a small bounded queue,
/// so parsing (one core) overlaps with whatever the consumer does with a batch (e.g. a PostgreSQL COPY on another).
/// Memory: at most <c>queuedBatches + 2</c> batches plus the normaliser's window.
/// </summary>
public static class XmltvBatchReader
{
    /// <summary>
    /// Batches of normalised programmes from <paramref name="stream"/>. A <see cref="XmltvFormatException"/> is thrown
    /// by the enumeration after the batches read before the fault; stopping the enumeration early stops the reading.
    /// The report is <c>normaliser.BuildReport(…)</c> once the enumeration has ended.
    /// </summary>
    public static async IAsyncEnumerable<NormalisedProgramme[]> ReadBatchesAsync(
        Stream stream,
        XmltvNormaliser normaliser,
        XmltvReaderOptions? readerOptions = null,
        int batchSize = 5000,
        int queuedBatches = 4,
        bool leaveOpen = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(normaliser);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queuedBatches, 1);

        var queue = Channel.CreateBounded<NormalisedProgramme[]>(new BoundedChannelOptions(queuedBatches)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Factory.StartNew(
            () => Produce(stream, normaliser, readerOptions, batchSize, leaveOpen, queue.Writer, stop.Token),
            stop.Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            await foreach (var batch in queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return batch;
            }

            await producer.ConfigureAwait(false);
        }
        finally
        {
            if (!producer.IsCompleted)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Already surfaced through the queue, or the reading was stopped because the consumer stopped.
            }
        }
    }

    private static void Produce(
        Stream stream,
        XmltvNormaliser normaliser,
        XmltvReaderOptions? readerOptions,
        int batchSize,
        bool leaveOpen,
        ChannelWriter<NormalisedProgramme[]> writer,
        CancellationToken cancellationToken)
    {
        try
        {
            var batch = new List<NormalisedProgramme>(batchSize);
            foreach (var programme in normaliser.Normalise(XmltvReader.ReadAll(stream, readerOptions, leaveOpen), cancellationToken))
            {
                batch.Add(programme);
                if (batch.Count == batchSize)
                {
                    Write(writer, batch.ToArray(), cancellationToken);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                Write(writer, batch.ToArray(), cancellationToken);
            }

            writer.Complete();
        }
        catch (Exception ex)
        {
            writer.Complete(ex);
            throw;
        }
    }

    private static void Write(ChannelWriter<NormalisedProgramme[]> writer, NormalisedProgramme[] batch, CancellationToken cancellationToken)
    {
        if (!writer.TryWrite(batch))
        {
            writer.WriteAsync(batch, cancellationToken).AsTask().GetAwaiter().GetResult();
        }
    }
}
