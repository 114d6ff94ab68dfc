using System.Text;
using CableHub.Connectors.Iso20022.Camt;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Payments.Tests;

internal static class TestFiles
{
    public static string Iso(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "iso20022", name);

    public static string StripeFixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "stripe", name);

    public const string Camt054V02 = "genkgo_camt.054.001.02_dbit-3tx-e2e-ustrd-strd.xml";
    public const string Camt054V04 = "genkgo_camt.054.001.04_batch-3tx-e2e-ustrd-isr-scor.xml";
    public const string Camt054V08 = "genkgo_camt.054.001.08_batch-3tx-e2e-ustrd-isr-scor.xml";
    public const string PostFinance6Tx = "postfinance-via-moov_camt.054.001.04_crdt-6tx-e2e-ustrd.xml";
    public const string PostFinanceQrr = "postfinance-via-moov_camt.054.001.04_crdt-2tx-qrr.xml";
    public const string SwissPain008 = "postfinance-via-moov_pain.008.001.02.ch.03_chdd-2tx-musterfile.xml";

    public static readonly string[] Camt054Samples = [Camt054V02, Camt054V04, Camt054V08, PostFinance6Tx, PostFinanceQrr];

    public static List<BankEntry> ReadIso(string name, CamtReaderOptions? options = null) =>
        new CamtReader(options).ReadFile(Iso(name)).ToList();

    public static List<BankEntry> ReadXml(string xml, string sourceName = "test.xml", CamtReaderOptions? options = null) =>
        new CamtReader(options).ReadEntries(new MemoryStream(Encoding.UTF8.GetBytes(xml)), sourceName).ToList();

    /// <summary>A fresh temp directory per call, deleted by the caller (or left in /tmp).</summary>
    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cablehub-payments-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Debian's xmllint (libxml2-utils, installed by ./cablehub): exit code and stderr.</summary>
    public static (int ExitCode, string Errors) XmlLint(string schemaPath, string documentPath) => CableHub.Testing.XmlLint.Validate(schemaPath, documentPath);
}
