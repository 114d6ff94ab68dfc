namespace CableHub.Connectors.Xmltv;

/// <summary>
/// Reads and normalises a whole file and returns its <see cref="EpgCheckReport"/> (what <c>epg check</c> prints).
/// Never throws for bad data: a file that is not readable XMLTV gives a report with <see cref="EpgCheckReport.Fatal"/>
/// set (exit non-zero on <c>!report.IsReadable</c>).
/// </summary>
public static class XmltvCheck
{
    public static EpgCheckReport Check(
        Stream stream,
        XmltvReaderOptions? readerOptions = null,
        XmltvNormaliserOptions? normaliserOptions = null,
        string? sourceName = null,
        CancellationToken cancellationToken = default)
    {
        var normaliser = new XmltvNormaliser(normaliserOptions);
        try
        {
            foreach (var _ in normaliser.Normalise(XmltvReader.ReadAll(stream, readerOptions, leaveOpen: true), cancellationToken))
            {
            }
        }
        catch (XmltvFormatException ex)
        {
            return normaliser.BuildReport(sourceName, ex);
        }

        return normaliser.BuildReport(sourceName);
    }

    public static async Task<EpgCheckReport> CheckAsync(
        Stream stream,
        XmltvReaderOptions? readerOptions = null,
        XmltvNormaliserOptions? normaliserOptions = null,
        string? sourceName = null,
        CancellationToken cancellationToken = default)
    {
        var normaliser = new XmltvNormaliser(normaliserOptions);
        try
        {
            var items = XmltvReader.ReadAllAsync(stream, readerOptions, leaveOpen: true, cancellationToken);
            await foreach (var _ in normaliser.NormaliseAsync(items, cancellationToken).ConfigureAwait(false))
            {
            }
        }
        catch (XmltvFormatException ex)
        {
            return normaliser.BuildReport(sourceName, ex);
        }

        return normaliser.BuildReport(sourceName);
    }

    /// <summary>Checks a file; an unreadable file (missing, no permission) is reported as not readable.</summary>
    public static EpgCheckReport CheckFile(
        string path,
        XmltvReaderOptions? readerOptions = null,
        XmltvNormaliserOptions? normaliserOptions = null,
        CancellationToken cancellationToken = default)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new XmltvNormaliser(normaliserOptions).BuildReport(path, new XmltvFormatException(0, 0, ex.Message, ex));
        }

        using (stream)
        {
            return Check(stream, readerOptions, normaliserOptions, path, cancellationToken);
        }
    }
}
