using System.CommandLine;
using System.Globalization;
using CableHub.Connectors.Xmltv;
using CableHub.Core.Errors;
using CableHub.Epg;
using CableHub.Epg.Api;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>epg check FILE [--json]</c> (no database: a summary with warnings and their lines; exit 1 only when the file is not
/// readable XMLTV), <c>epg import FILE</c> (into the guide, one transaction, progress shown; exit 1 when not imported),
/// <c>epg export [--customer ID | --device KEY | --channels A,B] [-o FILE]</c>, <c>epg map [--source S] [--set ID=CODE …]</c>.
/// </summary>
public static class EpgCommand
{
    public static Command Build()
    {
        var command = new Command("epg", "Electronic programme guide: check, import and export XMLTV");
        command.Subcommands.Add(Check());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Map());
        return command;
    }

    private static Command Map()
    {
        // An option, not an argument: a variadic argument would also swallow the --Section:Key=value configuration overrides.
        var pairs = new Option<string[]>("--set") { Description = "SOURCE_CHANNEL_ID=CHANNEL_CODE, repeated (replaces the source's map); none: print the map" };
        var source = new Option<string>("--source") { Description = "EPG source", DefaultValueFactory = _ => EpgSource.DefaultCode };
        var command = new Command("map", "Show or set how a source's channel ids map to the line-up") { pairs, source };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var mappings = new List<EpgChannelMapping>();
            foreach (var pair in parse.GetValue(pairs) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || eq == pair.Length - 1)
                {
                    await Console.Error.WriteLineAsync($"'{pair}': expected SOURCE_CHANNEL_ID=CHANNEL_CODE").ConfigureAwait(false);
                    return 2;
                }

                mappings.Add(new EpgChannelMapping(pair[..eq], pair[(eq + 1)..]));
            }

            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var store = db.Services.GetRequiredService<EpgStore>();
            var code = parse.GetValue(source)!;
            if (mappings.Count > 0)
            {
                try
                {
                    await store.SetChannelMapAsync(code, mappings, ct).ConfigureAwait(false);
                }
                catch (DomainException ex)
                {
                    await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                    return 1;
                }
            }

            foreach (var m in await store.GetChannelMapAsync(code, ct).ConfigureAwait(false))
            {
                Console.WriteLine($"{m.SourceChannelId}={m.ChannelCode}");
            }

            return 0;
        });
        return command;
    }

    private static Option<string?> TimeZoneOption(string description) => new("--time-zone") { Description = description };

    private static Option<string?> PolicyOption(string description) => new("--policy") { Description = description };

    private static Command Check()
    {
        var file = new Argument<string>("file") { Description = "XMLTV file (.xml or .xml.gz)" };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var zone = TimeZoneOption("IANA zone of times written without an offset (default UTC)");
        var policy = PolicyOption("overlap policy: keep | trim | drop (default trim)");
        var maxIssues = new Option<int>("--max-issues") { Description = "issue lines to print (text output)", DefaultValueFactory = _ => 200 };
        var command = new Command("check", "Summarise an XMLTV file: channels, programmes, time range, warnings with line numbers") { file, json, zone, policy, maxIssues };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            if (!TryOptions(parse.GetValue(zone), parse.GetValue(policy), out var readerOptions, out var overlap))
            {
                return 2;
            }

            var report = XmltvCheck.CheckFile(parse.GetValue(file)!, readerOptions, new XmltvNormaliserOptions { OverlapPolicy = overlap ?? XmltvOverlapPolicy.Trim });
            if (parse.GetValue(json))
            {
                Console.WriteLine(EpgCheckReportFormat.ToJson(report));
            }
            else
            {
                EpgCheckReportFormat.WriteText(report, Console.Out, parse.GetValue(maxIssues));
            }

            return report.IsReadable ? 0 : 1;
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "XMLTV file (.xml or .xml.gz)" };
        var source = new Option<string>("--source") { Description = "EPG source (its zone, overlap policy and channel map)", DefaultValueFactory = _ => EpgSource.DefaultCode };
        var zone = TimeZoneOption("override the source's zone of offset-less times for this file");
        var policy = PolicyOption("override the source's overlap policy: keep | trim | drop");
        var maxIssues = new Option<int>("--max-issues") { Description = "warnings to print", DefaultValueFactory = _ => 20 };
        var command = new Command("import", "Import an XMLTV file into the guide (one transaction; replaces the window it covers per channel)") { file, source, zone, policy, maxIssues };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"{path}: no such file").ConfigureAwait(false);
                return 1;
            }

            if (!TryOptions(parse.GetValue(zone), parse.GetValue(policy), out _, out var overlap))
            {
                return 2;
            }

            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var importer = db.Services.GetRequiredService<XmltvGuideImporter>();
            var length = new FileInfo(path).Length;
            var started = System.Diagnostics.Stopwatch.StartNew();
            XmltvImportOutcome? outcome = null;
            try
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"importing {Path.GetFileName(path)}", maxValue: Math.Max(1, length));
                        outcome = await importer.ImportFileAsync(path, new XmltvImportOptions { SourceCode = parse.GetValue(source)!, OverlapPolicy = overlap, TimeZone = parse.GetValue(zone) },
                            new SyncProgress<XmltvImportProgress>(p =>
                            {
                                task.Value = Math.Min(length, p.BytesRead);
                                task.Description = string.Create(CultureInfo.InvariantCulture, $"importing {Path.GetFileName(path)}: {p.ProgrammesWritten:N0} programmes");
                            }), ct).ConfigureAwait(false);
                        task.Value = length;
                    }).ConfigureAwait(false);
            }
            catch (DomainException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 2;
            }

            var r = outcome!.Result;
            var report = outcome.Report;
            if (!r.Succeeded)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Not imported[/] ({r.ImportId}): {r.Error}");
                return 1;
            }

            var seconds = Math.Max(0.001, started.Elapsed.TotalSeconds);
            AnsiConsole.MarkupLineInterpolated(
                $"[green]Imported[/] {r.Inserted:N0} programmes on {r.Channels} channels ({r.From:u} .. {r.To:u}) in {seconds:0.0} s ({r.Inserted / seconds:N0}/s); replaced {r.Replaced:N0}, trimmed {r.Trimmed}; import {r.ImportId}");
            AnsiConsole.MarkupLineInterpolated(
                $"{report.Programmes:N0} programmes in file, {report.ProgrammesSkipped:N0} skipped; {report.Errors} errors, {report.Warnings} warnings; {report.Channels.Count(c => c.LineupId is null)} channel(s) not in the line-up");
            if (report.Channels.Any(c => c.LineupId is null))
            {
                AnsiConsole.MarkupLineInterpolated(
                    $"[yellow]Not in the line-up:[/] {string.Join(", ", report.Channels.Where(c => c.LineupId is null).Select(c => c.SourceId))} (map them: epg map --source {parse.GetValue(source)} --set SOURCE_ID=CHANNEL_CODE …)");
            }

            foreach (var issue in report.Issues.Where(i => i.Severity != XmltvIssueSeverity.Info).Take(parse.GetValue(maxIssues)))
            {
                Console.WriteLine($"{Path.GetFileName(path)}:{issue.LineNumber}: {issue.Severity.ToString().ToLowerInvariant()} {issue.CodeName}{(issue.Channel is null ? "" : $" [{issue.Channel}]")}: {issue.Message}");
            }

            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var customer = new Option<Guid?>("--customer") { Description = "only the channels this subscriber is entitled to" };
        var device = new Option<string?>("--device") { Description = "only the channels this box is entitled to (id, serial number or CAS id)" };
        var channels = new Option<string?>("--channels") { Description = "only these channel codes (comma-separated)" };
        var output = new Option<string?>("--output", "-o") { Description = "file to write (default: standard output)" };
        var command = new Command("export", "Write the guide as XMLTV (the whole line-up unless limited)") { customer, device, channels, output };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            GuideAudience audience = parse.GetValue(customer) is { } c ? new GuideAudience.Customer(c)
                : parse.GetValue(device) is { } d ? new GuideAudience.Device(d)
                : parse.GetValue(channels) is { } list ? new GuideAudience.Channels(list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                : GuideAudience.All;
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var exporter = db.Services.GetRequiredService<XmltvGuideExporter>();
            var path = parse.GetValue(output);
            await using var stream = path is null ? Console.OpenStandardOutput() : new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 256 * 1024, FileOptions.Asynchronous);
            var result = await exporter.ExportAsync(stream, audience, ct: ct).ConfigureAwait(false);
            if (path is not null)
            {
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"wrote {result.Channels} channels, {result.Programmes:N0} programmes to {path}")).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static bool TryOptions(string? zone, string? policy, out XmltvReaderOptions readerOptions, out XmltvOverlapPolicy? overlap)
    {
        readerOptions = XmltvReaderOptions.Default;
        overlap = null;
        if (zone is not null)
        {
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var tz))
            {
                Console.Error.WriteLine($"--time-zone: '{zone}' is not a known IANA time zone");
                return false;
            }

            readerOptions = new XmltvReaderOptions { SourceTimeZone = tz };
        }

        if (policy is not null)
        {
            if (!EpgOverlapPolicy.All.Contains(policy))
            {
                Console.Error.WriteLine($"--policy: must be one of {string.Join(", ", EpgOverlapPolicy.All)}, not '{policy}'");
                return false;
            }

            overlap = XmltvGuideImporter.ParsePolicy(policy);
        }

        return true;
    }
}
