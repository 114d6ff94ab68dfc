using CableHub.Billing.Engine;
using CableHub.Customers.Contracts;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace CableHub.Billing;

/// <summary>
/// Billing's answer to the Subscriptions port <see cref="IBillingPeriods"/>, from the account's billing profile and its cycle
/// alignment (<see cref="BillingCycle"/>: cycle day clamped to short months, period months from the anchor; local dates in
/// <see cref="BillingOptions.ReportingTimeZone"/>, given back as the instant the local day starts):
/// <list type="bullet">
/// <item>next cycle start = the end of the billing period that contains <c>after</c>'s local date; an account without a profile
/// yet (its first order not completed) is aligned on its billing account's cycle day, monthly;</item>
/// <item>paid-through = the day after the last day of the latest period billed by a bill run whose invoice is paid; null (unknown)
/// when billing never billed the account in advance or nothing of it is paid — then nothing paid for is at stake.</item>
/// </list>
/// </summary>
internal sealed class BillingPeriods(NpgsqlDataSource dataSource, ISubscriptionLifecycle subscriptions, IBillingAccountDirectory accounts, BillingOptions options)
    : IBillingPeriods
{
    public async Task<DateTimeOffset?> PaidThroughAsync(Guid subscriptionId, CancellationToken ct)
    {
        var sub = await subscriptions.GetAsync(subscriptionId, ct).ConfigureAwait(false);
        if (sub is null)
        {
            return null;
        }

        BillingDapper.Ensure();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var lastPaidDay = await conn.ExecuteScalarAsync<DateOnly?>(new CommandDefinition(
            """
            SELECT max(period_end) FROM hub.invoice
            WHERE billing_account_id = @BillingAccountId AND kind = 'invoice' AND bill_run_id IS NOT NULL AND status = 'paid'
            """, new { sub.BillingAccountId }, cancellationToken: ct)).ConfigureAwait(false);
        return lastPaidDay is { } day ? StartOf(day.AddDays(1)) : null;
    }

    public async Task<DateTimeOffset> NextCycleStartAsync(Guid subscriptionId, DateTimeOffset after, CancellationToken ct)
    {
        var sub = await subscriptions.GetAsync(subscriptionId, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"subscription {subscriptionId}", "subscriptionId", "SUBSCRIPTION-NOT-FOUND");
        var cycle = await CycleAsync(sub.BillingAccountId, ct).ConfigureAwait(false);
        return StartOf(cycle.PeriodContaining(options.LocalDate(after)).End);
    }

    /// <summary>The account's cycle: its profile, else its billing account's cycle day, monthly.</summary>
    internal async Task<BillingCycle> CycleAsync(Guid billingAccountId, CancellationToken ct)
    {
        BillingDapper.Ensure();
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            var p = await conn.QuerySingleOrDefaultAsync<(short Day, short Months, short Anchor)?>(new CommandDefinition(
                "SELECT bill_cycle_day, period_months, anchor_month FROM hub.billing_profile WHERE billing_account_id = @billingAccountId",
                new { billingAccountId }, cancellationToken: ct)).ConfigureAwait(false);
            if (p is { } profile)
            {
                return new BillingCycle(profile.Day, profile.Months, profile.Anchor);
            }
        }

        var terms = (await accounts.TermsAsync([billingAccountId], ct).ConfigureAwait(false)).SingleOrDefault()
            ?? throw new NotFoundException($"billing account {billingAccountId}", "billingAccountId", "BILLING-ACCOUNT-NOT-FOUND");
        return new BillingCycle(terms.BillCycleDay);
    }

    /// <summary>The instant the local day starts in the reporting time zone.</summary>
    internal DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        var zone = options.ReportingTimeZone;
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30); // a day that starts in a daylight-saving gap
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }
}

/// <summary>Registration of <see cref="IBillingPeriods"/> (composition: after the Subscriptions module, whose placeholder it replaces).</summary>
public static class BillingPeriodsRegistration
{
    /// <summary>Billing answers the Subscriptions port <see cref="IBillingPeriods"/> (replaces the placeholder the Subscriptions module registers).</summary>
    public static IServiceCollection AddBillingPeriods(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IBillingPeriods, BillingPeriods>());
        return services;
    }
}
