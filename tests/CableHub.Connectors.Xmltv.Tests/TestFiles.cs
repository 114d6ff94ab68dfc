using System.Text;

namespace CableHub.Connectors.Xmltv.Tests;

internal static class TestFiles
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static List<XmltvItem> ReadFixture(string name, XmltvReaderOptions? options = null) =>
        XmltvReader.ReadFile(Fixture(name), options).ToList();

    public static List<XmltvItem> ReadString(string xml, XmltvReaderOptions? options = null) =>
        XmltvReader.ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(xml)), options).ToList();

    public static List<XmltvItem> ReadBytes(byte[] bytes, XmltvReaderOptions? options = null) =>
        XmltvReader.ReadAll(new MemoryStream(bytes), options).ToList();

    public static (List<NormalisedProgramme> Programmes, EpgCheckReport Report) Normalise(
        Stream stream, XmltvNormaliserOptions? options = null, XmltvReaderOptions? readerOptions = null)
    {
        var normaliser = new XmltvNormaliser(options);
        var programmes = normaliser.Normalise(XmltvReader.ReadAll(stream, readerOptions)).ToList();
        normaliser.Completed.ShouldBeTrue();
        return (programmes, normaliser.BuildReport("test"));
    }

    public static (List<NormalisedProgramme> Programmes, EpgCheckReport Report) Normalise(
        string xml, XmltvNormaliserOptions? options = null, XmltvReaderOptions? readerOptions = null) =>
        Normalise(new MemoryStream(Encoding.UTF8.GetBytes(xml)), options, readerOptions);

    public static MemoryStream Generate(XmltvGeneratorOptions options, out XmltvGeneratorResult result)
    {
        var stream = new MemoryStream();
        result = XmltvGenerator.Write(stream, options);
        stream.Position = 0;
        return stream;
    }

    /// <summary>A small XMLTV document around the given programme elements, with channels a, b declared.</summary>
    public static string Tv(string body, string channels = """<channel id="a"><display-name>A</display-name></channel><channel id="b"><display-name>B</display-name></channel>""") =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <tv>
        {channels}
        {body}
        </tv>
        """;

    public static string P(string channel, string start, string? stop, string title) =>
        stop is null
            ? $"""<programme start="{start}" channel="{channel}"><title>{title}</title></programme>"""
            : $"""<programme start="{start}" stop="{stop}" channel="{channel}"><title>{title}</title></programme>""";

    public static DateTimeOffset Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) => new(y, mo, d, h, mi, s, TimeSpan.Zero);
}
