using System.Text;
using CableHub.Connectors.Xmltv;
using CableHub.Epg;
using CableHub.Epg.Api;
using Dapper;

using CableHub.Modules.Testing;

namespace CableHub.Epg.Tests;

internal static class EpgTestSupport
{
    /// <summary>The UK listings' Radio Times ids and the line-up channels they map to.</summary>
    public static readonly (string SourceId, string Code, string Name, int Lcn)[] UkChannels =
    [
        ("UK_RT_2667", "BBC1HD", "BBC One HD", 501),
        ("UK_RT_105", "BBC2", "BBC Two", 502),
        ("UK_RT_2118", "ITV1HD", "ITV1 HD", 503),
        ("UK_RT_2056", "CH4HD", "Channel 4 HD", 504),
        ("UK_RT_134", "CH5", "Channel 5", 505),
    ];

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "xmltv", name);

    public static EpgStore Epg(this CatalogDatabase db) => db.Get<EpgStore>();

    public static XmltvGuideImporter Importer(this CatalogDatabase db) => db.Get<XmltvGuideImporter>();

    public static XmltvGuideExporter Exporter(this CatalogDatabase db) => db.Get<XmltvGuideExporter>();

    /// <summary>Adds the five UK channels (free-to-air, broadcaster DD) and maps the Radio Times ids onto them in the default source.</summary>
    public static async Task AddUkChannelsAsync(this CatalogDatabase db)
    {
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            foreach (var c in UkChannels)
            {
                await conn.ExecuteAsync(
                    """
                    INSERT INTO hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, currency, free_to_air)
                    SELECT gen_random_uuid(), @Code, @Name, id, 'GEC', 'en', 'SD', @Lcn, 'CAS-' || @Code, 'INR', true FROM hub.broadcaster WHERE code = 'DD'
                    """, new { c.Code, c.Name, c.Lcn });
            }
        }

        await db.Epg().SetChannelMapAsync(EpgSource.DefaultCode, UkChannels.Select(c => new EpgChannelMapping(c.SourceId, c.Code)).ToList());
    }

    /// <summary>Maps the generator's channel ids (ch001.cablehub.example …) onto line-up codes, in order.</summary>
    public static Task MapGeneratedChannelsAsync(this CatalogDatabase db, params string[] codes) =>
        db.Epg().SetChannelMapAsync(EpgSource.DefaultCode,
            codes.Select((code, i) => new EpgChannelMapping($"ch{i + 1:000}.cablehub.example", code)).ToList());

    public static MemoryStream Generate(XmltvGeneratorOptions options, out XmltvGeneratorResult result)
    {
        var stream = new MemoryStream();
        result = XmltvGenerator.Write(stream, options);
        stream.Position = 0;
        return stream;
    }

    public static MemoryStream Utf8(string xml) => new(Encoding.UTF8.GetBytes(xml));

    public static async Task<long> CountAsync(this CatalogDatabase db, string sql, object? args = null)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(sql, args);
    }

    public static DateTimeOffset Utc(int y, int mo, int d, int h = 0, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);
}
