using System.Globalization;
using CsvHelper;

namespace CableHub.Inventory;

/// <summary>A line of a bulk device list (legacy back-office CSV): serial_number, model_code, status, location, cas_id, paired_serial_number.</summary>
[CsvRecord]
public sealed partial class DeviceCsvRecord
{
    [CsvColumn("serial_number")]
    public string SerialNumber { get; set; } = "";

    [CsvColumn("model_code")]
    public string ModelCode { get; set; } = "";

    [CsvColumn("status", Optional = true)]
    public string? Status { get; set; }

    [CsvColumn("location", Optional = true)]
    public string? Location { get; set; }

    [CsvColumn("cas_id", Optional = true)]
    public string? CasId { get; set; }

    [CsvColumn("paired_serial_number", Optional = true)]
    public string? PairedSerialNumber { get; set; }
}

/// <summary>A line of a stock take: serial_number (serialised models) or model_code + quantity (counted by quantity).</summary>
[CsvRecord]
public sealed partial class StockTakeCsvRecord
{
    [CsvColumn("serial_number", Optional = true)]
    public string? SerialNumber { get; set; }

    [CsvColumn("model_code", Optional = true)]
    public string? ModelCode { get; set; }

    [CsvColumn("quantity", Optional = true)]
    public int? Quantity { get; set; }
}

/// <summary>A stock level line for export.</summary>
[CsvRecord]
public sealed partial class StockLevelCsvRecord
{
    [CsvColumn("location")]
    public string Location { get; set; } = "";

    [CsvColumn("model_code")]
    public string ModelCode { get; set; } = "";

    [CsvColumn("in_stock")]
    public int InStock { get; set; }

    [CsvColumn("reserved")]
    public int Reserved { get; set; }

    [CsvColumn("in_transit")]
    public int InTransit { get; set; }

    [CsvColumn("returned")]
    public int Returned { get; set; }

    [CsvColumn("refurbishing")]
    public int Refurbishing { get; set; }

    [CsvColumn("rma")]
    public int Rma { get; set; }
}

/// <summary>
/// Legacy back-office CSV files (CsvHelper 34): bulk device lists and stock takes in, device lists and stock levels
/// out. Reading never stops at the first bad line: every row-level problem is reported with its line number
/// (malformed quoting, a value that does not parse, a missing column), and the caller applies nothing when there
/// is any.
/// </summary>
public static class InventoryCsv
{
    private static CsvReaderOptions ReaderOptions(List<ImportError> errors) => CsvReaderOptions.Default with
    {
        TrackLineNumbers = true,
        TrimWhitespace = true,
        SkipEmptyLines = true,
        MalformedData = CsvMalformedDataHandling.Skip,
        FieldCountMismatch = CsvFieldCountHandling.Skip,
        OnMalformedRecord = m => errors.Add(new ImportError((int)m.LineNumber, "$", Malformed(m.Reason))),
    };

    public static (IReadOnlyList<DeviceImportRow> Rows, IReadOnlyList<ImportError> Errors) ReadDevices(Stream csv)
    {
        var errors = new List<ImportError>();
        var rows = new List<DeviceImportRow>();
        foreach (var (line, record) in Read<DeviceCsvRecord>(csv, errors))
        {
            rows.Add(new DeviceImportRow(line, record.SerialNumber.Trim(), record.ModelCode.Trim(), Blank(record.Status) ?? "in_stock", Blank(record.Location))
            {
                CasId = Blank(record.CasId),
                PairedSerialNumber = Blank(record.PairedSerialNumber),
            });
        }

        return (rows, errors);
    }

    public static (IReadOnlyList<StockTakeRow> Rows, IReadOnlyList<ImportError> Errors) ReadStockTake(Stream csv)
    {
        var errors = new List<ImportError>();
        var rows = new List<StockTakeRow>();
        foreach (var (line, record) in Read<StockTakeCsvRecord>(csv, errors))
        {
            var serial = Blank(record.SerialNumber);
            if (serial is null && record.Quantity is null && Blank(record.ModelCode) is not null)
            {
                errors.Add(new ImportError(line, "quantity", "is required for a line without a serial number"));
                continue;
            }

            rows.Add(new StockTakeRow(line, serial, Blank(record.ModelCode), record.Quantity ?? 1));
        }

        return (rows, errors);
    }

    public static void WriteDevices(Stream output, IEnumerable<DeviceImportRow> devices)
    {
        using var writer = CsvWriter.Create(output, CsvWriterOptions.Default, leaveOpen: true);
        writer.WriteRecords(devices.Select(d => new DeviceCsvRecord
        {
            SerialNumber = d.SerialNumber,
            ModelCode = d.ModelCode,
            Status = d.Status,
            Location = d.LocationCode,
            CasId = d.CasId,
            PairedSerialNumber = d.PairedSerialNumber,
        }));
    }

    public static void WriteStockLevels(Stream output, IEnumerable<StockLevel> levels)
    {
        using var writer = CsvWriter.Create(output, CsvWriterOptions.Default, leaveOpen: true);
        writer.WriteRecords(levels.Select(l => new StockLevelCsvRecord
        {
            Location = l.LocationCode,
            ModelCode = l.ModelCode,
            InStock = l.InStock,
            Reserved = l.Reserved,
            InTransit = l.InTransit,
            Returned = l.Returned,
            Refurbishing = l.Refurbishing,
            Rma = l.Rma,
        }));
    }

    private static IEnumerable<(int Line, T Record)> Read<T>(Stream csv, List<ImportError> errors)
    {
        using var reader = CsvReader.Create(csv, ReaderOptions(errors), leaveOpen: true);
        var result = new List<(int, T)>();
        try
        {
            while (reader.Read())
            {
                var line = (int)reader.LineNumber;
                try
                {
                    result.Add((line, reader.GetRecord<T>()));
                }
                catch (CsvFormatException ex)
                {
                    var field = ex.Member is { } member ? Column(reader, ex.FieldIndex) ?? member : "$";
                    errors.Add(new ImportError(line, field, (ex.InnerException ?? ex).Message));
                }
            }
        }
        catch (KeyNotFoundException ex)
        {
            errors.Add(new ImportError(1, "header", ex.Message));
        }
        catch (CsvFormatException ex)
        {
            errors.Add(new ImportError((int)ex.LineNumber, "$", ex.Message));
        }

        return result;
    }

    private static string? Column(CsvReader reader, int index) =>
        index >= 0 && index < reader.Headers.Count ? reader.Headers[index] : null;

    private static string Malformed(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.FieldCountMismatch => "the line has a different number of fields than the header",
        CsvMalformedReason.StrayQuote => "a quote inside an unquoted field",
        CsvMalformedReason.TextAfterClosingQuote => "text after the closing quote of a field",
        CsvMalformedReason.UnterminatedQuote => "a quoted field is never closed",
        CsvMalformedReason.LineBreakInQuotes => "a line break inside a quoted field",
        _ => reason.ToString(),
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public static string Describe(IReadOnlyList<ImportError> errors) =>
        string.Join(Environment.NewLine, errors.Select(e => string.Create(CultureInfo.InvariantCulture, $"line {e.LineNumber}, {e.Field}: {e.Message}")));
}
