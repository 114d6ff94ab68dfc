using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CableHub.Connectors.Xmltv;

/// <summary>Renders an <see cref="EpgCheckReport"/> as JSON (System.Text.Json) or as text for a terminal.</summary>
public static class EpgCheckReportFormat
{
    /// <summary>camelCase, enums kebab-case ("overlap-trimmed"), nulls left out, indented.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = CreateJsonOptions();

    public static string ToJson(EpgCheckReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static void WriteJson(EpgCheckReport report, Stream output) => JsonSerializer.Serialize(output, report, JsonOptions);

    public static EpgCheckReport? FromJson(string json) => JsonSerializer.Deserialize<EpgCheckReport>(json, JsonOptions);

    /// <summary>
    /// A summary, then one line per issue as <c>source:line: severity code [channel]: message</c>
    /// (at most <paramref name="maxIssues"/>).
    /// </summary>
    public static void WriteText(EpgCheckReport report, TextWriter output, int maxIssues = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var source = report.Source ?? "input";
        var ci = CultureInfo.InvariantCulture;
        if (report.Fatal is { } fatal)
        {
            output.WriteLine(string.Create(ci, $"{source}:{fatal.Line}:{fatal.Position}: error: not readable XMLTV: {fatal.Reason}"));
        }

        output.WriteLine(string.Create(ci, $"File:        {source} ({report.Encoding ?? "?"}{(report.HasByteOrderMark ? ", BOM" : "")})"));
        if (report.TvDate is not null || report.SourceInfoName is not null || report.GeneratorInfoName is not null)
        {
            output.WriteLine(string.Create(ci, $"Source:      {report.SourceInfoName ?? "-"}; generator {report.GeneratorInfoName ?? "-"}; tv date {report.TvDate ?? "-"}"));
        }

        output.WriteLine(string.Create(ci, $"Channels:    {report.ChannelsDeclared} declared, {report.ChannelsWithProgrammes} with programmes"));
        output.WriteLine(string.Create(ci, $"Programmes:  {report.Programmes} in file, {report.ProgrammesAccepted} accepted, {report.ProgrammesSkipped} skipped (overlap policy {report.OverlapPolicy.ToString().ToLowerInvariant()})"));
        output.WriteLine(string.Create(ci, $"Time range:  {Time(report.From)} .. {Time(report.To)}"));
        output.WriteLine(string.Create(ci, $"Issues:      {report.Errors} errors, {report.Warnings} warnings, {report.Infos} infos"));
        foreach (var count in report.IssueCounts)
        {
            output.WriteLine(string.Create(ci, $"  {XmltvIssueCodes.Name(count.Code),-28} {count.Count,8}  ({count.Severity.ToString().ToLowerInvariant()})"));
        }

        var shown = 0;
        foreach (var issue in report.Issues)
        {
            if (shown++ >= maxIssues)
            {
                break;
            }

            output.WriteLine(string.Create(ci, $"{source}:{issue.LineNumber}: {issue.Severity.ToString().ToLowerInvariant()} {issue.CodeName}{(issue.Channel is null ? "" : $" [{issue.Channel}]")}: {issue.Message}"));
        }

        if (report.IssuesTruncated || shown < report.Issues.Count)
        {
            output.WriteLine(string.Create(ci, $"(issue list truncated; counts above are complete)"));
        }
    }

    public static string ToText(EpgCheckReport report, int maxIssues = int.MaxValue)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteText(report, writer, maxIssues);
        return writer.ToString();
    }

    private static string Time(DateTimeOffset? t) =>
        t is null ? "-" : t.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            // For terminals and files, not HTML: keep ' < > + readable.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
