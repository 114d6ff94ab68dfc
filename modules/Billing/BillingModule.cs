using CableHub.Billing.Api;
using CableHub.Billing.BillRuns;
using CableHub.Billing.Contracts;
using CableHub.Billing.Documents;
using CableHub.Billing.Invoices;
using CableHub.Billing.Payments;
using CableHub.Core.Persistence;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Billing;

/// <summary>
/// The Billing module: billing profiles, the rating engine (proration, discounts, NCF, taxes), invoices and credit notes
/// (gapless series, immutable once issued), bill runs, invoice documents (PDF, HTML), TMF678 customerBill.
/// </summary>
public static class BillingModule
{
    /// <summary>Columns of its tables that may leave PostgreSQL in the change stream: a payment without its remittance text (payers' free text), a mandate without the account holder's name and IBAN.</summary>
    public static IReadOnlyDictionary<string, string> StreamedColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hub.payment"] = "id,source,reference,billing_account_id,amount,currency,unallocated,status,suspense_reason,gateway,card_brand,card_last4,received_at,recorded_at,resolved_by,resolved_at",
        ["hub.direct_debit_mandate"] = "id,mandate_id,billing_account_id,customer_id,iban_last4,bic,signed_on,next_sequence,status,recorded_by,recorded_at,revoked_at",
    };

    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.billing</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("billing", typeof(BillingModule).Assembly, "CableHub.Billing.Migrations.");

    /// <summary>Registers billing. Needs the Customers, Catalog and Subscriptions modules, an NpgsqlDataSource, a TimeProvider and IEventTransactions (payments publish InvoicePaid); gateway webhooks need an IPaymentWebhookVerifier per gateway.</summary>
    public static IServiceCollection AddBillingModule(this IServiceCollection services, BillingOptions options)
    {
        BillingDapper.Ensure();
        services.AddSingleton(options);
        services.AddSingleton<BillingProfiles>();
        services.AddSingleton<Payments.PaymentPromises>();
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, BillingDataSubjectRecords>(); // what it holds on a customer (access export)
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectEraser, BillingErasure>(); // erasure: remittance text overwritten, invoices kept
        services.AddSingleton<IBillingProfiles>(sp => sp.GetRequiredService<BillingProfiles>());
        services.AddSingleton<IBillingCharges>(sp => sp.GetRequiredService<BillingProfiles>());
        services.AddSingleton<InvoiceStore>();
        services.AddSingleton<IInvoiceLedger>(sp => sp.GetRequiredService<InvoiceStore>());
        services.AddSingleton<BillingInputs>();
        // Bill runs settle credit against their new invoices where an outbox is at hand (the hub, tests); the CLI has none.
        services.AddSingleton(sp => new BillRunner(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<BillingInputs>(), sp.GetRequiredService<BillingOptions>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<BillRunner>>(),
            sp.GetService<CableHub.Core.Messaging.IEventTransactions>() is null ? null : sp.GetRequiredService<PaymentLedger>(),
            sp.GetService<CableHub.Vod.Contracts.IOneTimeChargeBilling>()));
        services.AddSingleton<InvoiceDocuments>();
        services.AddSingleton<PaymentLedger>();
        services.AddSingleton<DirectDebits>(); // needs an IDirectDebitFileWriter (the host: the ISO 20022 connector's pain.008 writer) and a FieldEncryptor
        services.AddSingleton<IDunningLedger, DunningLedger>();
        return services;
    }

    /// <summary>TMF678 customerBill (reads, documents), TMF676 payment (reads), bill runs, payments (gateway webhooks, suspense list, balances).</summary>
    public static IEndpointRouteBuilder MapBillingEndpoints(this IEndpointRouteBuilder app)
    {
        CustomerBillEndpoints.Map(app);
        TmfPaymentEndpoints.Map(app);
        return PaymentEndpoints.Map(app);
    }
}
