using System.Globalization;
using System.Security.Cryptography;
using CableHub.Core.Api;
using CableHub.Core.Ports;
using CableHub.Core.Security;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Billing.Payments;

/// <summary>A SEPA mandate to record: the reference the subscriber signed, the account holder and IBAN (encrypted at rest), the signature date.</summary>
public sealed record NewMandate(Guid BillingAccountId, string MandateId, string DebtorName, string Iban, string? Bic, DateOnly SignedOn);

/// <summary>A mandate as staff see it (the IBAN shown by its last four characters only).</summary>
public sealed record MandateSummary(Guid Id, string MandateId, Guid BillingAccountId, Guid CustomerId, string IbanLast4, string? Bic, DateOnly SignedOn,
    string NextSequence, string Status, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>
/// What <see cref="DirectDebits.CollectAsync"/> did: the batch (null when nothing was due), the invoices put in it and the
/// file's digest; <see cref="Skipped"/> names due invoices left out and why.
/// </summary>
public sealed record DirectDebitRun(Guid? BatchId, string? MessageId, string Currency, DateOnly CollectionDate, IReadOnlyList<string> InvoiceNumbers, decimal ControlSum,
    string? FileSha256, IReadOnlyList<string> Skipped)
{
    public int Collections => InvoiceNumbers.Count;
}

/// <summary>The operator's side of SEPA direct debit (<see cref="BillingOptions.DirectDebit"/>; the host binds <c>Billing:DirectDebit:*</c>).</summary>
/// <param name="Creditor">The operator's name, IBAN, BIC and SEPA creditor identifier; null: direct debit is not set up.</param>
/// <param name="Currency">The currency collected (SEPA banks take EUR; the writer checks amounts and identifiers, not the currency).</param>
public sealed record DirectDebitSettings(DirectDebitCreditor? Creditor, string Currency = "EUR");

/// <summary>
/// SEPA direct debit: mandates (<c>hub.direct_debit_mandate</c>, one in force per billing account; IBAN and holder name encrypted
/// with the hub's field key, shown by the IBAN's last four characters) and pain.008 batches built from the open invoices of mandated
/// accounts that are due by a date. One run is ONE transaction (runs serialised by an advisory lock): the invoices are locked, the
/// file is written by the <see cref="IDirectDebitFileWriter"/> port (which checks every identifier first; a bad one fails the run
/// naming the invoice and field, nothing recorded), each invoice gets a pending collection (<c>hub.direct_debit_collection</c>: an
/// invoice with a pending or collected one is never collected again) and each mandate's sequence moves from FRST to RCUR. The end-to-end
/// id is the invoice number, which the bank's camt.054 brings back and <see cref="PaymentLedger"/> matches.
/// </summary>
public sealed class DirectDebits(NpgsqlDataSource dataSource, FieldEncryptor encryptor, IDirectDebitFileWriter writer, BillingOptions options, TimeProvider clock,
    ILogger<DirectDebits> logger)
{
    private DirectDebitSettings Settings => options.DirectDebit;

    /// <summary>Records a mandate for a billed account; the identifiers are checked as the bank file will need them.</summary>
    public async Task<MandateSummary> AddMandateAsync(NewMandate mandate, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mandate);
        var iban = (mandate.Iban ?? "").Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var bic = string.IsNullOrWhiteSpace(mandate.Bic) ? null : mandate.Bic.Trim().ToUpperInvariant();
        var today = options.LocalDate(clock.GetUtcNow());
        var errors = new RequestErrors();
        if (mandate.SignedOn > today)
        {
            errors.Add("signedOn", $"{mandate.SignedOn:yyyy-MM-dd} is in the future (today is {today:yyyy-MM-dd})");
        }

        // The writer's own checks (IBAN check digits, BIC, SEPA character set, lengths) on a one-collection probe: the same rules the file obeys.
        foreach (var problem in Problems(ProbeBatch(mandate.MandateId, mandate.DebtorName, iban, bic, mandate.SignedOn)))
        {
            var field = problem.Field switch { "mandate.mandateId" => "mandateId", "debtorName" => "debtorName", "debtorIban" => "iban", "debtorBic" => "bic", var f => f };
            if (field is "mandateId" or "debtorName" or "iban" or "bic")
            {
                errors.Add(field, problem.Reason);
            }
        }

        errors.ThrowIfAny();
        BillingDapper.Ensure();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition("SELECT set_config('cablehub.actor', @actor, true)", new { actor }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var customerId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT customer_id FROM hub.billing_profile WHERE billing_account_id = @account", new { account = mandate.BillingAccountId }, tx, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new NotFoundException($"billing account {mandate.BillingAccountId} (no billing profile)", "billingAccountId", "BILLING-ACCOUNT-NOT-FOUND");
        if (await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT mandate_id FROM hub.direct_debit_mandate WHERE billing_account_id = @account AND status = 'active'", new { account = mandate.BillingAccountId }, tx,
                cancellationToken: ct)).ConfigureAwait(false) is { } existing)
        {
            throw new StateConflictException("BILLING-MANDATE-IN-FORCE", $"billing account {mandate.BillingAccountId} has mandate {existing} in force; revoke it first", "billingAccountId");
        }

        var id = Ids.New(clock);
        var now = clock.GetUtcNow();
        var inserted = await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.direct_debit_mandate (id, mandate_id, billing_account_id, customer_id, debtor_name_enc, iban_enc, iban_last4, bic, signed_on, recorded_by, recorded_at)
            VALUES (@id, @MandateId, @BillingAccountId, @customerId, @name, @iban, @last4, @bic, @SignedOn, @actor, @now)
            ON CONFLICT (mandate_id) DO NOTHING
            """,
            new
            {
                id, mandate.MandateId, mandate.BillingAccountId, customerId, name = encryptor.Encrypt(mandate.DebtorName.Trim()), iban = encryptor.Encrypt(iban), last4 = iban[^4..], bic,
                mandate.SignedOn, actor, now,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (inserted == 0)
        {
            throw new StateConflictException("BILLING-MANDATE-EXISTS", $"mandate {mandate.MandateId} is recorded already", "mandateId");
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        logger.LogInformation("Mandate {MandateId} recorded for billing account {Account} (IBAN …{Last4}) by {Actor}", mandate.MandateId, mandate.BillingAccountId, iban[^4..], actor);
        return new MandateSummary(id, mandate.MandateId, mandate.BillingAccountId, customerId, iban[^4..], bic, mandate.SignedOn, "FRST", "active", actor, now);
    }

    /// <summary>
    /// Builds the pain.008 batch of every open invoice (issued or partly paid, in <see cref="DirectDebitSettings.Currency"/>) due on or
    /// before <paramref name="dueBy"/> whose account has a mandate in force and that no pending or collected collection holds, for
    /// collection on <paramref name="collectionDate"/>; writes the file to <paramref name="output"/> (only after the batch is recorded:
    /// first to <c>output.tmp</c>, renamed after the commit). Nothing due: no batch, no file.
    /// </summary>
    public async Task<DirectDebitRun> CollectAsync(DateOnly dueBy, DateOnly collectionDate, string output, string actor, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        var creditor = Settings.Creditor ?? throw new StateConflictException("BILLING-DIRECT-DEBIT-NOT-SET-UP",
            "direct debit is not set up: configure Billing:DirectDebit:CreditorName, CreditorIban, CreditorBic and CreditorId");
        var today = options.LocalDate(clock.GetUtcNow());
        if (collectionDate < today)
        {
            throw new RequestInvalidException("collectionDate", $"{collectionDate:yyyy-MM-dd} is in the past (today is {today:yyyy-MM-dd})");
        }

        BillingDapper.Ensure();
        var currency = Settings.Currency;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            "SELECT set_config('cablehub.actor', @actor, true), pg_advisory_xact_lock(hashtextextended('billing-direct-debit', 0))", new { actor }, tx, cancellationToken: ct))
            .ConfigureAwait(false);
        var due = (await conn.QueryAsync<DueRow>(new CommandDefinition(
            """
            SELECT i.id AS invoiceid, i.invoice_number AS invoicenumber, i.open_amount AS openamount, i.due_date AS duedate, i.billing_account_id AS billingaccountid,
                   m.id AS mandaterowid, m.mandate_id AS mandateid, m.signed_on AS signedon, m.next_sequence AS sequence, m.debtor_name_enc AS debtorname,
                   m.iban_enc AS iban, m.bic
            FROM hub.invoice i
            JOIN hub.direct_debit_mandate m ON m.billing_account_id = i.billing_account_id AND m.status = 'active'
            WHERE i.kind = 'invoice' AND i.status IN ('issued', 'partially_paid') AND i.open_amount > 0 AND i.currency = @currency AND i.due_date <= @dueBy
              AND NOT EXISTS (SELECT 1 FROM hub.direct_debit_collection c WHERE c.invoice_id = i.id AND c.status IN ('pending', 'collected'))
            ORDER BY i.due_date, i.invoice_number
            FOR UPDATE OF i
            """, new { currency, dueBy }, tx, cancellationToken: ct)).ConfigureAwait(false)).AsList();
        var skipped = new List<string>();
        var collections = new List<(DueRow Row, DirectDebitCollection Collection)>();
        foreach (var row in due)
        {
            if (row.SignedOn > collectionDate)
            {
                skipped.Add($"{row.InvoiceNumber}: mandate {row.MandateId} is signed on {row.SignedOn:yyyy-MM-dd}, after the collection date");
                continue;
            }

            collections.Add((row, new DirectDebitCollection(row.InvoiceNumber, new Money(row.OpenAmount, currency), collectionDate,
                row.Sequence == "FRST" ? DirectDebitSequence.First : DirectDebitSequence.Recurring, new DirectDebitMandate(row.MandateId, row.SignedOn),
                encryptor.Decrypt(row.DebtorName), encryptor.Decrypt(row.Iban))
            {
                DebtorBic = row.Bic,
                RemittanceText = $"Invoice {row.InvoiceNumber}",
            }));
        }

        if (collections.Count == 0)
        {
            await tx.RollbackAsync(ct).ConfigureAwait(false);
            return new DirectDebitRun(null, null, currency, collectionDate, [], 0m, null, skipped);
        }

        var now = clock.GetUtcNow();
        var batchId = Ids.New(clock);
        var messageId = "CH-DD-" + now.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        var batch = new DirectDebitBatch(messageId, now, creditor, collections.Select(c => c.Collection).ToList());
        var problems = Problems(batch);
        if (problems.Count > 0)
        {
            // Name the invoice of each bad collection (the writer names its position); nothing is recorded.
            throw new RuleViolationException(problems.Select(p => new DomainError("BILLING-DIRECT-DEBIT-BATCH",
                p.Index is { } i ? $"invoice {collections[i].Row.InvoiceNumber} (mandate {collections[i].Row.MandateId}): {p.Field}: {p.Reason}" : $"{p.Field}: {p.Reason}", p.Field)).ToList(),
                "The direct-debit batch cannot be written");
        }

        var temp = output + ".tmp";
        DirectDebitFileSummary summary;
        string sha;
        await using (var file = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite))
        {
            summary = writer.Write(batch, file);
            await file.FlushAsync(ct).ConfigureAwait(false);
            file.Position = 0;
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false));
        }

        try
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO hub.direct_debit_batch (id, message_id, format, currency, collection_date, collections, control_sum, file_sha256, created_by, created_at)
                VALUES (@batchId, @messageId, @format, @currency, @collectionDate, @count, @sum, @sha, @actor, @now)
                """, new { batchId, messageId, format = writer.Format, currency, collectionDate, count = collections.Count, sum = summary.ControlSum, sha, actor, now }, tx,
                cancellationToken: ct)).ConfigureAwait(false);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO hub.direct_debit_collection (batch_id, invoice_id, mandate_id, billing_account_id, end_to_end_id, sequence, amount, currency)
                VALUES (@batchId, @InvoiceId, @MandateRowId, @BillingAccountId, @InvoiceNumber, @Sequence, @OpenAmount, @currency)
                """, collections.Select(c => new { batchId, c.Row.InvoiceId, c.Row.MandateRowId, c.Row.BillingAccountId, c.Row.InvoiceNumber, c.Row.Sequence, c.Row.OpenAmount, currency }),
                tx, cancellationToken: ct)).ConfigureAwait(false);
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE hub.direct_debit_mandate SET next_sequence = 'RCUR' WHERE id = ANY(@ids) AND next_sequence = 'FRST'",
                new { ids = collections.Select(c => c.Row.MandateRowId).Distinct().ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        File.Move(temp, output, overwrite: true);
        logger.LogInformation("Direct-debit batch {MessageId}: {Count} collection(s), {Sum} {Currency}, on {CollectionDate} (file {File}, sha256 {Sha})",
            messageId, collections.Count, summary.ControlSum, currency, collectionDate, output, sha);
        return new DirectDebitRun(batchId, messageId, currency, collectionDate, collections.Select(c => c.Row.InvoiceNumber).ToList(), summary.ControlSum, sha, skipped);
    }

    /// <summary>The account's mandates, newest first.</summary>
    public async Task<IReadOnlyList<MandateSummary>> MandatesAsync(Guid billingAccountId, CancellationToken ct)
    {
        BillingDapper.Ensure();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<MandateSummary>(new CommandDefinition(
            """
            SELECT id, mandate_id AS mandateid, billing_account_id AS billingaccountid, customer_id AS customerid, trim(iban_last4) AS ibanlast4, bic, signed_on AS signedon,
                   next_sequence AS nextsequence, status, recorded_by AS recordedby, recorded_at AS recordedat
            FROM hub.direct_debit_mandate WHERE billing_account_id = @billingAccountId ORDER BY recorded_at DESC
            """, new { billingAccountId }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    private DirectDebitBatch ProbeBatch(string mandateId, string debtorName, string iban, string? bic, DateOnly signedOn) =>
        new("PROBE", clock.GetUtcNow(), Settings.Creditor ?? new DirectDebitCreditor("Probe", "DE89370400440532013000", null, "DE98ZZZ09999999999"),
            [new DirectDebitCollection("PROBE", new Money(1m, Settings.Currency), signedOn, DirectDebitSequence.First, new DirectDebitMandate(mandateId, signedOn), debtorName, iban)
                { DebtorBic = bic }]);

    /// <summary>The writer's problems, split into the collection's position, its field and the reason.</summary>
    private List<(int? Index, string Field, string Reason)> Problems(DirectDebitBatch batch)
    {
        try
        {
            writer.Write(batch, Stream.Null);
            return [];
        }
        catch (DirectDebitBatchException e)
        {
            return e.Problems.Select(Split).ToList();
        }

        static (int? Index, string Field, string Reason) Split(string problem)
        {
            // "collections[3].debtorIban: reason" or "creditor.iban: reason"
            var colon = problem.IndexOf(": ", StringComparison.Ordinal);
            var path = colon < 0 ? "" : problem[..colon];
            var reason = colon < 0 ? problem : problem[(colon + 2)..];
            if (path.StartsWith("collections[", StringComparison.Ordinal) && path.IndexOf(']', StringComparison.Ordinal) is var close and > 0
                && int.TryParse(path.AsSpan(12, close - 12), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                return (index, path[(close + 1)..].TrimStart('.'), reason);
            }

            return (null, path, reason);
        }
    }

    private sealed record DueRow(Guid InvoiceId, string InvoiceNumber, decimal OpenAmount, DateOnly DueDate, Guid BillingAccountId, Guid MandateRowId, string MandateId,
        DateOnly SignedOn, string Sequence, byte[] DebtorName, byte[] Iban, string? Bic);
}
