using CableHub.Core;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Iso20022.Pain008;

/// <summary>A sample direct-debit batch (fictional operator and subscribers, check-digit-correct IBANs, the Bundesbank's
/// documented test creditor id) for <c>payments pain008 --example</c> and tests.</summary>
public static class Pain008Example
{
    public static DirectDebitBatch Create(DateTimeOffset createdAt)
    {
        var due = DateOnly.FromDateTime(createdAt.UtcDateTime).AddDays(7);
        var creditor = new DirectDebitCreditor("CableHub Demo Operator GmbH", "DE89370400440532013000", "COBADEFFXXX", "DE98ZZZ09999999999");
        var messageId = "CH-DD-" + createdAt.UtcDateTime.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        DirectDebitCollection Collection(int n, decimal amount, DirectDebitSequence sequence, string name, string account, string? bic, int mandateDaysAgo) =>
            new(
                $"INV-{createdAt.Year}-{n:000000}",
                new Money(amount, "EUR"),
                due,
                sequence,
                new DirectDebitMandate($"MND-{n:000000}", due.AddDays(-mandateDaysAgo)),
                name,
                BankIdentifiers.MakeIban("DE", account))
            {
                DebtorBic = bic,
                RemittanceText = n % 2 == 1 ? $"Cable TV invoice INV-{createdAt.Year}-{n:000000}" : null,
                CreditorReference = n % 2 == 0 ? BankIdentifiers.MakeCreditorReference($"INV{createdAt.Year}{n:000000}") : null,
            };

        return new DirectDebitBatch(messageId, createdAt, creditor,
        [
            Collection(1, 499.00m, DirectDebitSequence.Recurring, "Asha Verma", "500105170648489890", "INGDDEFFXXX", 400),
            Collection(2, 299.00m, DirectDebitSequence.Recurring, "Rohan Mehta", "370400440532013001", null, 200),
            Collection(3, 1299.50m, DirectDebitSequence.First, "Greta Schneider", "100500000024290661", "BELADEBEXXX", 10),
            Collection(4, 49.99m, DirectDebitSequence.OneOff, "Jonas Weber", "120300001005295544", null, 3),
        ]);
    }
}
