using CableHub.Connectors.Xmltv;

namespace CableHub.Epg;

/// <summary>What an export wrote.</summary>
public sealed record XmltvExportResult(int Channels, long Programmes);

/// <summary>
/// Writes the guide as XMLTV (streaming, async-only on the output): the whole line-up, some channels, or what one
/// subscriber or box is entitled to. Channel ids are the line-up's channel codes.
/// </summary>
public sealed class XmltvGuideExporter(EpgStore store, TimeProvider clock)
{
    public async Task<XmltvExportResult> ExportAsync(
        Stream output, GuideAudience audience, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var channels = await store.ChannelsAsync(audience, clock.GetUtcNow(), ct).ConfigureAwait(false);
        var writer = new XmltvWriter(output, XmltvWriterOptions.Default, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStart(new XmltvDocument
            {
                Encoding = "utf-8",
                SourceInfoName = "CableHub",
                GeneratorInfoName = "CableHub.Host/XmltvGuideExporter",
                Date = clock.GetUtcNow(),
            });
            foreach (var channel in channels)
            {
                await writer.WriteChannelAsync(XmltvGuideMapping.ToXmltvChannel(channel), ct).ConfigureAwait(false);
            }

            if (channels.Count > 0)
            {
                await foreach (var row in store.ExportRowsAsync(channels.Select(c => c.Id).ToList(), from, to, ct).ConfigureAwait(false))
                {
                    await writer.WriteProgrammeAsync(XmltvGuideMapping.ToXmltvProgramme(row), ct).ConfigureAwait(false);
                }
            }

            await writer.WriteEndAsync(ct).ConfigureAwait(false);
            return new XmltvExportResult(channels.Count, writer.ProgrammesWritten);
        }
    }
}
