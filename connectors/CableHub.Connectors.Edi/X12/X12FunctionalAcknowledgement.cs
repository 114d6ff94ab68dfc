using System.Globalization;
using System.Text;

namespace CableHub.Connectors.Edi.X12;

/// <summary>Control numbers and timestamp of a 997 interchange (passed in by the caller, which owns the counters).</summary>
public sealed record X12AcknowledgementOptions(long InterchangeControlNumber, long GroupControlNumber, DateTimeOffset Timestamp)
{
    /// <summary>ST02 of the first 997; one 997 is written per acknowledged functional group.</summary>
    public long FirstTransactionControlNumber { get; init; } = 1;

    public string LineEnding { get; init; } = "\n";

    /// <summary>ISA15 of the acknowledgement; null = the same as the received interchange.</summary>
    public char? UsageIndicator { get; init; }
}

/// <summary>
/// Generates the X12 997 Functional Acknowledgment for a received interchange that was read in
/// <see cref="EdiErrorMode.Collect"/> mode: one 997 per functional group (AK1), one AK2 per transaction set with
/// AK3 (segment errors, AK304 code) / AK4 (element errors, AK403 code and a copy of the bad data) and AK5
/// (A accepted / R rejected with AK502 codes), and AK9 (A/P/R, counts, AK905 group error codes). The
/// acknowledgement uses the received interchange's delimiters, with sender and receiver swapped.
/// Interchange-level problems (ISA13/IEA02, IEA01) belong in a TA1, not a 997, and are not reported here.
/// </summary>
public static class X12FunctionalAcknowledgement
{
    public static void Write(X12Interchange received, X12AcknowledgementOptions options, Stream output)
    {
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(options);
        var header = received.Header;
        var version = received.Groups.FirstOrDefault()?.Header.Version is { Length: > 0 } v ? v : "004010";
        var envelope = new X12EnvelopeOptions(header.ReceiverQualifier, header.ReceiverId, header.SenderQualifier, header.SenderId,
            options.InterchangeControlNumber, options.GroupControlNumber, options.Timestamp)
        {
            ApplicationSenderCode = received.Groups.FirstOrDefault()?.Header.ReceiverCode is { Length: > 0 } rs ? rs : null,
            ApplicationReceiverCode = received.Groups.FirstOrDefault()?.Header.SenderCode is { Length: > 0 } ss ? ss : null,
            Delimiters = header.Delimiters,
            InterchangeVersion = header.Version,
            GroupVersion = version,
            UsageIndicator = options.UsageIndicator ?? (header.UsageIndicator.Length == 1 ? header.UsageIndicator[0] : 'P'),
            LineEnding = options.LineEnding,
        };

        using var writer = new X12SegmentWriter(output, header.Delimiters, options.LineEnding);
        writer.WriteInterchangeHeader(envelope, "FA");
        var control = options.FirstTransactionControlNumber;
        foreach (var group in received.Groups)
        {
            WriteAcknowledgement(writer, group, X12SegmentWriter.ControlNumber(control++), header.Delimiters);
        }

        writer.WriteInterchangeTrailer(envelope, received.Groups.Count);
    }

    public static byte[] ToBytes(X12Interchange received, X12AcknowledgementOptions options)
    {
        using var stream = new MemoryStream();
        Write(received, options, stream);
        return stream.ToArray();
    }

    public static string ToText(X12Interchange received, X12AcknowledgementOptions options) => Encoding.UTF8.GetString(ToBytes(received, options));

    private static void WriteAcknowledgement(X12SegmentWriter writer, X12FunctionalGroup group, string control, X12Delimiters delimiters)
    {
        writer.StartCounting();
        writer.Write("ST", "997", control);
        var is5010 = string.CompareOrdinal(group.Header.Version, "005010") >= 0;
        writer.Write("AK1", group.Header.FunctionalIdCode, group.Header.ControlNumber, is5010 ? group.Header.Version : null);
        var accepted = 0;
        foreach (var transaction in group.Transactions)
        {
            writer.Write("AK2", transaction.TransactionSetId, transaction.ControlNumber, is5010 ? transaction.ImplementationReference : null);
            WriteSegmentErrors(writer, transaction, delimiters);
            var codes = transaction.Errors.Where(e => e.Level == EdiErrorLevel.Transaction && e.Code is not null).Select(e => e.Code!).ToList();
            if (transaction.Errors.Any(e => e.Level is EdiErrorLevel.Segment or EdiErrorLevel.Element))
            {
                codes.Add("5");
            }

            if (transaction.Accepted)
            {
                accepted++;
                writer.Write("AK5", "A");
            }
            else
            {
                var distinct = codes.Distinct().Take(5).ToList();
                writer.Write("AK5", "R", At(distinct, 0), At(distinct, 1), At(distinct, 2), At(distinct, 3), At(distinct, 4));
            }
        }

        var groupCodes = group.Errors.Where(e => e.Code is not null).Select(e => e.Code!).Distinct().Take(5).ToList();
        var received = group.Transactions.Count;
        var status = group.Errors.Count > 0 || (received > 0 && accepted == 0) ? "R" : accepted < received ? "P" : "A";
        writer.Write("AK9", status, (group.DeclaredTransactionCount ?? received).ToString(CultureInfo.InvariantCulture),
            received.ToString(CultureInfo.InvariantCulture), accepted.ToString(CultureInfo.InvariantCulture),
            At(groupCodes, 0), At(groupCodes, 1), At(groupCodes, 2), At(groupCodes, 3), At(groupCodes, 4));
        writer.Write("SE", (writer.Count + 1).ToString(CultureInfo.InvariantCulture), control);
    }

    private static void WriteSegmentErrors(X12SegmentWriter writer, X12Transaction transaction, X12Delimiters delimiters)
    {
        var bySegment = transaction.Errors
            .Where(e => e.Level is EdiErrorLevel.Segment or EdiErrorLevel.Element)
            .GroupBy(e => (e.SegmentNumber, e.SegmentId, e.PositionInTransaction));
        foreach (var segment in bySegment)
        {
            var segmentCode = segment.FirstOrDefault(e => e.Level == EdiErrorLevel.Segment)?.Code ?? "8";
            writer.Write("AK3", segment.Key.SegmentId, (segment.Key.PositionInTransaction ?? 0).ToString(CultureInfo.InvariantCulture), null, segmentCode);
            foreach (var element in segment.Where(e => e.Level == EdiErrorLevel.Element))
            {
                writer.Write("AK4", (element.ElementPosition ?? 0).ToString(CultureInfo.InvariantCulture), null, element.Code ?? "7",
                    element.BadValue is { Length: > 0 } bad ? Printable(bad, delimiters) : null);
            }
        }
    }

    private static string? At(List<string> list, int index) => index < list.Count ? list[index] : null;

    // AK404 is a copy of the bad data, at most 99 characters, without anything that reads as a delimiter.
    private static string? Printable(string value, X12Delimiters delimiters)
    {
        var text = new string(value.Where(c => c != delimiters.Component && c != delimiters.Repetition && c != delimiters.Element && c != delimiters.Segment).ToArray());
        return text.Length == 0 ? null : text.Length > 99 ? text[..99] : text;
    }
}
