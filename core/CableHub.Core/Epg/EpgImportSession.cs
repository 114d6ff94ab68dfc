using System.Buffers;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace CableHub.Core.Epg;

/// <summary>What the format side knows about the file once it was read (counts, issues, the full report as JSON).</summary>
public sealed record EpgImportSummary(
    long ProgrammesInFile,
    long ProgrammesSkipped,
    int UnknownChannels,
    int Errors,
    int Warnings,
    string? ReportJson);

/// <summary>The outcome of an import (also stored in hub.epg_import).</summary>
/// <param name="Replaced">Programmes of earlier imports deleted because they started inside a replaced window.</param>
/// <param name="Trimmed">Programmes of earlier imports cut short because they ran into a replaced window.</param>
public sealed record EpgImportResult(
    Guid ImportId,
    string Status,
    long Inserted,
    long Replaced,
    long Trimmed,
    int Channels,
    DateTimeOffset? From,
    DateTimeOffset? To,
    string? Error,
    int? ErrorLine)
{
    public bool Succeeded => Status == EpgImportStatus.Succeeded;
}

public static class EpgImportStatus
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>
/// One file's import into the guide, in ONE transaction: programmes stream into hub.epg_programme by binary COPY as
/// batches arrive; <see cref="CommitAsync"/> then replaces, per channel, the window the file covers (earlier programmes
/// starting in [first start, last stop) are deleted, one running into it is cut at its start) and commits.
/// <see cref="FailAsync"/> (or disposing without committing) rolls everything back: nothing is half-imported. The
/// hub.epg_import row is written outside the transaction, so failed attempts stay visible with their error.
/// </summary>
public sealed class EpgImportSession : IAsyncDisposable
{
    private const string CopyCommand =
        """
        COPY hub.epg_programme (id, channel_id, start_at, stop_at, title, titles, sub_title, descriptions, categories, episode_ns, season, episode,
                                episode_onscreen, rating, icon_url, previously_shown, premiere, is_new, details, import_id, source_channel_id)
        FROM STDIN (FORMAT BINARY)
        """;

    private const long EpgLockKey = 0x45_50_47_49_6D_70; // "EPGImp": one window replacement at a time

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly TimeProvider _clock;
    private readonly Dictionary<Guid, Window> _windows = [];
    private readonly ArrayBufferWriter<byte> _json = new(512);
    private readonly Utf8JsonWriter _jsonWriter;
    private NpgsqlBinaryImporter? _copy;
    private bool _finished;

    private EpgImportSession(NpgsqlDataSource dataSource, NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider clock, Guid importId)
    {
        _dataSource = dataSource;
        _connection = connection;
        _transaction = transaction;
        _clock = clock;
        ImportId = importId;
        _jsonWriter = new Utf8JsonWriter(_json, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public Guid ImportId { get; }

    /// <summary>Programmes written so far.</summary>
    public long Written { get; private set; }

    /// <summary>Records the attempt (status running) and opens the import's transaction.</summary>
    public static async Task<EpgImportSession> BeginAsync(NpgsqlDataSource dataSource, string sourceCode, string fileName, TimeProvider clock, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(clock);
        var importId = Guid.CreateVersion7();
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "INSERT INTO hub.epg_import (id, source_code, file_name, status, started_at) VALUES (@importId, @sourceCode, @fileName, 'running', @now)",
                new { importId, sourceCode, fileName, now = clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false);
        }

        var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            return new EpgImportSession(dataSource, connection, transaction, clock, importId);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Copies a batch into the import's transaction (synchronous writes into Npgsql's buffer; the socket is written when it fills).</summary>
    public async Task WriteAsync(IReadOnlyList<EpgProgramme> batch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_finished, this);
        _copy ??= await _connection.BeginBinaryImportAsync(CopyCommand, ct).ConfigureAwait(false);
        var copy = _copy;
        foreach (var p in batch)
        {
            ct.ThrowIfCancellationRequested();
            if (p.Stop <= p.Start)
            {
                throw new ArgumentException($"programme '{p.Title}' on channel {p.ChannelId} stops ({p.Stop:O}) before it starts ({p.Start:O})", nameof(batch));
            }

            copy.StartRow();
            copy.Write(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
            copy.Write(p.ChannelId, NpgsqlDbType.Uuid);
            copy.Write(p.Start.UtcDateTime, NpgsqlDbType.TimestampTz);
            copy.Write(p.Stop.UtcDateTime, NpgsqlDbType.TimestampTz);
            copy.Write(p.Title, NpgsqlDbType.Text);
            copy.Write(TextsJson(p.Titles, p.Title), NpgsqlDbType.Jsonb);
            WriteNullable(copy, p.SubTitle, NpgsqlDbType.Text);
            WriteNullable(copy, p.Descriptions.Count == 0 ? null : TextsJson(p.Descriptions, null), NpgsqlDbType.Jsonb);
            if (p.Categories.Count == 0)
            {
                copy.WriteNull();
            }
            else
            {
                copy.Write(p.Categories as string[] ?? [.. p.Categories], NpgsqlDbType.Array | NpgsqlDbType.Text);
            }

            WriteNullable(copy, p.EpisodeNs, NpgsqlDbType.Text);
            WriteNullable(copy, p.Season);
            WriteNullable(copy, p.Episode);
            WriteNullable(copy, p.EpisodeOnScreen, NpgsqlDbType.Text);
            WriteNullable(copy, p.Rating, NpgsqlDbType.Text);
            WriteNullable(copy, p.IconUrl, NpgsqlDbType.Text);
            copy.Write(p.PreviouslyShown, NpgsqlDbType.Boolean);
            copy.Write(p.Premiere, NpgsqlDbType.Boolean);
            copy.Write(p.IsNew, NpgsqlDbType.Boolean);
            WriteNullable(copy, p.DetailsJson, NpgsqlDbType.Jsonb);
            copy.Write(ImportId, NpgsqlDbType.Uuid);
            WriteNullable(copy, p.SourceChannelId, NpgsqlDbType.Text);

            ref var window = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_windows, p.ChannelId, out var existed);
            if (!existed)
            {
                window = new Window(p.Start, p.Stop, 0);
            }

            window = new Window(p.Start < window.From ? p.Start : window.From, p.Stop > window.To ? p.Stop : window.To, window.Count + 1);
            Written++;
        }
    }

    /// <summary>Ends the COPY, replaces the covered windows, records the outcome and commits.</summary>
    public async Task<EpgImportResult> CommitAsync(EpgImportSummary summary, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ObjectDisposedException.ThrowIf(_finished, this);
        try
        {
            if (_copy is not null)
            {
                await _copy.CompleteAsync(ct).ConfigureAwait(false);
                await _copy.DisposeAsync().ConfigureAwait(false);
                _copy = null;
            }

            await _connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = EpgLockKey }, _transaction, cancellationToken: ct)).ConfigureAwait(false);
            var channels = _windows.Keys.ToArray();
            var froms = _windows.Values.Select(w => w.From.UtcDateTime).ToArray();
            var tos = _windows.Values.Select(w => w.To.UtcDateTime).ToArray();
            var windowArgs = new { importId = ImportId, channels, froms, tos };
            var replaced = await _connection.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM hub.epg_programme p
                USING unnest(@channels::uuid[], @froms::timestamptz[], @tos::timestamptz[]) AS w(channel_id, f, t)
                WHERE p.channel_id = w.channel_id AND p.start_at >= w.f AND p.start_at < w.t AND p.import_id IS DISTINCT FROM @importId
                """, windowArgs, _transaction, cancellationToken: ct)).ConfigureAwait(false);
            var trimmed = await _connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE hub.epg_programme p SET stop_at = w.f
                FROM unnest(@channels::uuid[], @froms::timestamptz[], @tos::timestamptz[]) AS w(channel_id, f, t)
                WHERE p.channel_id = w.channel_id AND p.start_at < w.f AND p.stop_at > w.f AND p.import_id IS DISTINCT FROM @importId
                """, windowArgs, _transaction, cancellationToken: ct)).ConfigureAwait(false);

            DateTimeOffset? from = _windows.Count == 0 ? null : _windows.Values.Min(w => w.From);
            DateTimeOffset? to = _windows.Count == 0 ? null : _windows.Values.Max(w => w.To);
            await _connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE hub.epg_import SET status = 'succeeded', finished_at = @now, programmes_in_file = @ProgrammesInFile, programmes_inserted = @written,
                       programmes_replaced = @replaced, programmes_skipped = @ProgrammesSkipped, channels = @channelCount, unknown_channels = @UnknownChannels,
                       window_from = @from, window_to = @to, errors = @Errors, warnings = @Warnings, report = @ReportJson::jsonb
                WHERE id = @importId
                """,
                new
                {
                    importId = ImportId, now = _clock.GetUtcNow(), summary.ProgrammesInFile, written = Written, replaced, summary.ProgrammesSkipped,
                    channelCount = _windows.Count, summary.UnknownChannels, from, to, summary.Errors, summary.Warnings, summary.ReportJson,
                }, _transaction, cancellationToken: ct)).ConfigureAwait(false);
            await _transaction.CommitAsync(ct).ConfigureAwait(false);
            _finished = true;
            return new EpgImportResult(ImportId, EpgImportStatus.Succeeded, Written, replaced, trimmed, _windows.Count, from, to, null, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return await FailAsync(ex.Message, null, summary, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Rolls the import back and records why (with the line of the fault when known).</summary>
    public async Task<EpgImportResult> FailAsync(string error, int? line, EpgImportSummary? summary = null, CancellationToken ct = default)
    {
        if (!_finished)
        {
            await RollbackAsync().ConfigureAwait(false);
        }

        await using (var conn = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE hub.epg_import SET status = 'failed', finished_at = @now, error = @error, error_line = @line,
                       programmes_in_file = COALESCE(@inFile, programmes_in_file), errors = COALESCE(@errors, errors), warnings = COALESCE(@warnings, warnings),
                       report = COALESCE(@report::jsonb, report)
                WHERE id = @importId
                """,
                new
                {
                    importId = ImportId, now = _clock.GetUtcNow(), error, line, inFile = summary?.ProgrammesInFile, errors = summary?.Errors,
                    warnings = summary?.Warnings, report = summary?.ReportJson,
                }, cancellationToken: ct)).ConfigureAwait(false);
        }

        return new EpgImportResult(ImportId, EpgImportStatus.Failed, 0, 0, 0, 0, null, null, error, line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            await RollbackAsync().ConfigureAwait(false);
            try
            {
                await using var conn = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
                await conn.ExecuteAsync(
                    "UPDATE hub.epg_import SET status = 'failed', finished_at = now(), error = 'import abandoned' WHERE id = @id AND status = 'running'",
                    new { id = ImportId }).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // The attempt stays 'running'; nothing was imported.
            }
        }

        await _jsonWriter.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RollbackAsync()
    {
        _finished = true;
        try
        {
            if (_copy is not null)
            {
                // Disposing an importer that was not completed cancels the COPY.
                await _copy.DisposeAsync().ConfigureAwait(false);
                _copy = null;
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
        {
            // The COPY is aborted either way; the rollback below (or closing the connection) discards it.
        }

        try
        {
            await _transaction.RollbackAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // A broken connection rolls back on its own.
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, int? value)
    {
        if (value is { } v)
        {
            copy.Write(v, NpgsqlDbType.Integer);
        }
        else
        {
            copy.WriteNull();
        }
    }

    /// <summary>{"lang": "text", …}; the first text per language wins, no language is "".</summary>
    private string TextsJson(IReadOnlyList<EpgText> texts, string? fallback)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        var writer = _jsonWriter;
        {
            writer.WriteStartObject();
            if (texts.Count == 0)
            {
                writer.WriteString(string.Empty, fallback ?? string.Empty);
            }
            else if (texts.Count == 1)
            {
                writer.WriteString(texts[0].Lang ?? string.Empty, texts[0].Value);
            }
            else
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var t in texts)
                {
                    if (seen.Add(t.Lang ?? string.Empty))
                    {
                        writer.WriteString(t.Lang ?? string.Empty, t.Value);
                    }
                }
            }

            writer.WriteEndObject();
            writer.Flush();
        }

        return Encoding.UTF8.GetString(_json.WrittenSpan);
    }

    private readonly record struct Window(DateTimeOffset From, DateTimeOffset To, long Count);
}
