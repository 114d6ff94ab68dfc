using CableHub.Billing.Engine;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace CableHub.Billing.Invoices;

/// <summary>An invoice or credit note ready to be written: its number and dates decided.</summary>
internal sealed record IssuedDocument(
    Guid Id, string Kind, string Series, long Seq, string Number, InvoiceDraft Draft, DateOnly IssueDate, DateOnly DueDate, Guid? BillRunId,
    Guid? CorrectsInvoiceId, string? Reason, DateTimeOffset IssuedAt)
{
    /// <summary>What the invoice asks; a negative total asks nothing and becomes the account's credit instead (<see cref="InvoiceWriter.WriteAsync"/>).</summary>
    public decimal OpenAmount => Kind == "invoice" ? Math.Max(Draft.Total, 0m) : 0m;

    public string Status => Kind == "invoice" && OpenAmount == 0 ? "paid" : "issued";
}

/// <summary>
/// Issues documents in the caller's transaction: numbers from the series counter row (locked by the UPDATE until the
/// transaction ends, so concurrent issuers queue and a rolled-back transaction gives its numbers back: gapless), then
/// invoices and lines by binary COPY — one path for one credit note and for a bill-run chunk of thousands.
/// </summary>
internal static class InvoiceWriter
{
    public sealed record SeriesBlock(string Prefix, int Digits, long First)
    {
        public string Number(long seq) => Prefix + seq.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(Digits, '0');
    }

    /// <summary>Takes <paramref name="count"/> consecutive numbers of the series (locks its counter row until commit).</summary>
    public static async Task<SeriesBlock> ReserveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string series, int count, CancellationToken ct)
    {
        var block = await conn.QuerySingleOrDefaultAsync<(string Prefix, short Digits, long First)?>(new CommandDefinition(
            "UPDATE hub.invoice_series SET next_number = next_number + @count WHERE code = @series RETURNING prefix, digits, next_number - @count",
            new { series, count = (long)count }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return block is { } b ? new SeriesBlock(b.Prefix, b.Digits, b.First) : throw new InvalidOperationException($"invoice series '{series}' does not exist");
    }

    /// <summary>Writes the documents and their lines (COPY); returns the number of lines written.</summary>
    public static async Task<long> WriteAsync(NpgsqlConnection conn, IReadOnlyList<IssuedDocument> docs, CancellationToken ct)
    {
        if (docs.Count == 0)
        {
            return 0;
        }

        await using (var w = await conn.BeginBinaryImportAsync(
            """
            COPY hub.invoice (id, kind, series, seq, invoice_number, billing_account_id, customer_id, bill_run_id, corrects_invoice_id, period_start, period_end,
                issue_date, due_date, currency, subtotal, tax_total, total, open_amount, status, regulatory_profile, tax_jurisdiction, reason, issued_at)
            FROM STDIN (FORMAT BINARY)
            """, ct).ConfigureAwait(false))
        {
            foreach (var d in docs)
            {
                var a = d.Draft.Account;
                w.StartRow();
                w.Write(d.Id, NpgsqlDbType.Uuid);
                w.Write(d.Kind, NpgsqlDbType.Text);
                w.Write(d.Series, NpgsqlDbType.Text);
                w.Write(d.Seq, NpgsqlDbType.Bigint);
                w.Write(d.Number, NpgsqlDbType.Text);
                w.Write(a.AccountId, NpgsqlDbType.Uuid);
                w.Write(a.CustomerId, NpgsqlDbType.Uuid);
                WriteNullable(w, d.BillRunId);
                WriteNullable(w, d.CorrectsInvoiceId);
                if (d.Kind == "invoice")
                {
                    w.Write(d.Draft.Period.Start, NpgsqlDbType.Date);
                    w.Write(d.Draft.Period.LastDay, NpgsqlDbType.Date);
                }
                else
                {
                    w.WriteNull();
                    w.WriteNull();
                }

                w.Write(d.IssueDate, NpgsqlDbType.Date);
                w.Write(d.DueDate, NpgsqlDbType.Date);
                w.Write(a.Currency, NpgsqlDbType.Char);
                w.Write(d.Draft.Subtotal, NpgsqlDbType.Numeric);
                w.Write(d.Draft.TaxTotal, NpgsqlDbType.Numeric);
                w.Write(d.Draft.Total, NpgsqlDbType.Numeric);
                w.Write(d.OpenAmount, NpgsqlDbType.Numeric);
                w.Write(d.Status, NpgsqlDbType.Text);
                w.Write(a.RegulatoryProfile, NpgsqlDbType.Text);
                w.Write(a.TaxJurisdiction, NpgsqlDbType.Text);
                if (d.Reason is null)
                {
                    w.WriteNull();
                }
                else
                {
                    w.Write(d.Reason, NpgsqlDbType.Text);
                }

                w.Write(d.IssuedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        long lines = 0;
        await using (var w = await conn.BeginBinaryImportAsync(
            """
            COPY hub.invoice_line (invoice_id, line_no, kind, description, period_start, period_end, amount, tax_category, tax_rate, subscription_id, informational)
            FROM STDIN (FORMAT BINARY)
            """, ct).ConfigureAwait(false))
        {
            foreach (var d in docs)
            {
                short no = 0;
                foreach (var l in d.Draft.Lines)
                {
                    w.StartRow();
                    w.Write(d.Id, NpgsqlDbType.Uuid);
                    w.Write(++no, NpgsqlDbType.Smallint);
                    w.Write(l.Kind, NpgsqlDbType.Text);
                    w.Write(l.Description, NpgsqlDbType.Text);
                    WriteNullable(w, l.From);
                    WriteNullable(w, l.To?.AddDays(-1));
                    w.Write(l.Amount, NpgsqlDbType.Numeric);
                    if (l.TaxCategory is null)
                    {
                        w.WriteNull();
                    }
                    else
                    {
                        w.Write(l.TaxCategory, NpgsqlDbType.Text);
                    }

                    if (l.TaxRate is { } rate)
                    {
                        w.Write(rate, NpgsqlDbType.Numeric);
                    }
                    else
                    {
                        w.WriteNull();
                    }

                    WriteNullable(w, l.SubscriptionId);
                    w.Write(l.Informational, NpgsqlDbType.Boolean);
                    lines++;
                }
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        // An invoice with a negative total owes the customer: what it owes becomes the account's credit (hub.payment, source account_credit,
        // reference = the invoice number), which settlement puts on the next invoices like any other credit. One statement for the chunk.
        var credits = docs.Where(d => d.Kind == "invoice" && d.Draft.Total < 0).ToList();
        if (credits.Count > 0)
        {
            await using var cmd = new NpgsqlCommand(
                """
                INSERT INTO hub.payment (id, source, reference, billing_account_id, amount, currency, unallocated, status, remittance, received_at, recorded_at)
                SELECT c.id, 'account_credit', c.number, c.account, c.amount, c.currency, c.amount, 'applied', 'credit of invoice ' || c.number, c.at, c.at
                FROM unnest(@ids, @numbers, @accounts, @amounts, @currencies, @ats) AS c(id, number, account, amount, currency, at)
                """, conn);
            cmd.Parameters.AddWithValue("ids", credits.Select(d => Guid.CreateVersion7(d.IssuedAt)).ToArray());
            cmd.Parameters.AddWithValue("numbers", credits.Select(d => d.Number).ToArray());
            cmd.Parameters.AddWithValue("accounts", credits.Select(d => d.Draft.Account.AccountId).ToArray());
            cmd.Parameters.AddWithValue("amounts", credits.Select(d => -d.Draft.Total).ToArray());
            cmd.Parameters.AddWithValue("currencies", credits.Select(d => d.Draft.Account.Currency).ToArray());
            cmd.Parameters.Add(new NpgsqlParameter("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = credits.Select(d => d.IssuedAt.UtcDateTime).ToArray() });
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        return lines;
    }

    private static void WriteNullable(NpgsqlBinaryImporter w, Guid? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Uuid);
        }
        else
        {
            w.WriteNull();
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter w, DateOnly? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Date);
        }
        else
        {
            w.WriteNull();
        }
    }
}
