using System.Globalization;
using CableHub.Connectors.Edi.Edifact;
using CableHub.Connectors.Edi.Json;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi;

/// <summary>Options of <c>cablehub edi parse FILE [--json] [--lenient-isa]</c>.</summary>
public sealed record EdiParseCommandOptions(string Path)
{
    public bool Json { get; init; }

    /// <summary>Accept an ISA whose elements are not padded to their fixed widths.</summary>
    public bool LenientIsa { get; init; }
}

/// <summary>
/// The body of the <c>edi parse</c> CLI verb, ready for the host to wire. Validates the whole document and reports
/// everything wrong with it at once, for a receiving clerk: prints the parsed document (JSON with
/// <see cref="EdiParseCommandOptions.Json"/>, its <c>"issues"</c> locating each error and warning by segment and
/// element; else a summary and the issues), and each error as one line ("edi parse: FILE: segment 5 (BSN at byte 226):
/// BSN02 …") on <paramref name="error"/>. Exit code 0 when there are no errors (warnings allowed), 1 when there are —
/// also when the input cannot be read as EDI at all (then only that one line) — 2 when the file cannot be read.
/// Never lets an exception (stack trace) escape. (<c>edi import</c> stays strict: any error quarantines the file.)
/// </summary>
public static class EdiParseCommand
{
    public static int Run(EdiParseCommandOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var result = EdiDocumentParser.ParseFile(options.Path,
                new X12ReaderOptions { StrictIsaWidth = !options.LenientIsa, ErrorMode = EdiErrorMode.Collect },
                new EdifactReaderOptions { ErrorMode = EdiErrorMode.Collect });
            if (options.Json)
            {
                output.WriteLine(EdiJson.Serialize(result));
            }
            else
            {
                WriteSummary(result, output);
            }

            var errors = result.Issues.Where(i => i.Severity == EdiIssueSeverity.Error).ToList();
            foreach (var issue in errors)
            {
                error.WriteLine($"edi parse: {options.Path}: {issue.Message}");
            }

            return errors.Count > 0 ? 1 : 0;
        }
        catch (EdiParseException ex)
        {
            error.WriteLine($"edi parse: {options.Path}: {ex.Error.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"edi parse: {options.Path}: cannot read the file: {ex.Message}");
            return 2;
        }
#pragma warning disable CA1031 // the CLI promise is "a clear error, never a stack trace"
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error.WriteLine($"edi parse: {options.Path}: internal error ({ex.GetType().Name}): {ex.Message}");
            return 3;
        }
    }

    private static void WriteSummary(EdiParseOutput result, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        if (result.X12 is { } x12)
        {
            foreach (var interchange in x12.Interchanges)
            {
                var h = interchange.Header;
                output.WriteLine(string.Create(c, $"X12 interchange {h.ControlNumber}: {h.SenderQualifier}:{h.SenderId} -> {h.ReceiverQualifier}:{h.ReceiverId}, version {h.Version}, {h.Delimiters}"));
                foreach (var group in interchange.Groups)
                {
                    output.WriteLine(string.Create(c, $"  group {group.Header.ControlNumber} ({group.Header.FunctionalIdCode}, {group.Header.Version}): {group.Transactions.Count} transaction set(s)"));
                    foreach (var t in group.Transactions)
                    {
                        output.WriteLine("    " + Describe(t));
                    }
                }
            }
        }

        if (result.Edifact is { } edifact)
        {
            foreach (var interchange in edifact.Interchanges)
            {
                var h = interchange.Header;
                output.WriteLine(string.Create(c, $"EDIFACT interchange {h.ControlReference}: {h.SenderId} -> {h.RecipientId}, {h.SyntaxId}:{h.SyntaxVersion}, {h.Delimiters}"));
                foreach (var m in interchange.Messages)
                {
                    var summary = m.DespatchAdvice is { } d
                        ? string.Create(c, $"despatch advice {d.DocumentNumber}: {d.PackageLevels.Count} packing levels, {d.PackageLevels.Sum(l => l.Lines.Count)} lines, {d.PackageLevels.Sum(l => l.Lines.Sum(x => x.SerialNumbers.Count))} serial numbers")
                        : string.Create(c, $"{m.Segments?.Count ?? 0} segments");
                    output.WriteLine(string.Create(c, $"  {m.Type} {m.Version}{m.Release} {m.Reference}: {summary}"));
                }
            }
        }

        foreach (var notice in result.ShipNotices)
        {
            output.WriteLine(string.Create(c, $"ship notice {notice.ShipmentId}: {notice.Orders.Count} order(s), {notice.Items.Count()} item line(s), {notice.Items.Sum(i => i.Quantity ?? 0)} units, {notice.SerialNumberCount} serial numbers"));
            foreach (var order in notice.Orders)
            {
                output.WriteLine(string.Create(c, $"  PO {order.PurchaseOrderNumber ?? "(none)"}: {order.Packages.Count} package(s), {order.Packages.Sum(p => p.Items.Count)} item line(s)"));
            }
        }

        var errors = result.Issues.Count(i => i.Severity == EdiIssueSeverity.Error);
        output.WriteLine(result.Issues.Count == 0
            ? "no issues"
            : string.Create(c, $"issues: {errors} error(s), {result.Issues.Count - errors} warning(s)"));
        foreach (var issue in result.Issues)
        {
            output.WriteLine($"  {(issue.Severity == EdiIssueSeverity.Error ? "error" : "warning")}: {issue.Message}");
        }
    }

    private static string Describe(X12Transaction t)
    {
        var c = CultureInfo.InvariantCulture;
        if (t.ShipNotice is { } n)
        {
            return string.Create(c, $"856 {t.ControlNumber}: ship notice {n.ShipmentId}, {n.Levels.Count} HL levels, {n.Levels.Count(l => l.LevelCode == X12LevelCodes.Item)} items, {n.Levels.Sum(l => l.SerialNumbers.Count)} serial numbers");
        }

        if (t.PurchaseOrder is { } po)
        {
            return string.Create(c, $"850 {t.ControlNumber}: purchase order {po.Number}, {po.Lines.Count} lines");
        }

        return string.Create(c, $"{t.TransactionSetId} {t.ControlNumber}: {t.SegmentCount} segments");
    }
}
