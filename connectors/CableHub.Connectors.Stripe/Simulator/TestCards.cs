namespace CableHub.Connectors.Stripe.Simulator;

/// <summary>How a test card behaves when charged.</summary>
internal enum CardOutcome
{
    Succeeds,
    Declined,
    RequiresAuthentication,
}

/// <summary>A test payment method: Stripe's published test tokens (pm_card_visa, pm_card_chargeDeclined…) with the
/// brand, last four digits and outcome Stripe documents for them. Only tokens: the simulator never sees a card number.</summary>
internal sealed record TestCard(string Token, string Brand, string Last4, string Funding, string Country, CardOutcome Outcome, string? Code = null, string? DeclineCode = null, string? Message = null)
{
    private static readonly Dictionary<string, TestCard> ByToken = new TestCard[]
    {
        new("pm_card_visa", "visa", "4242", "credit", "US", CardOutcome.Succeeds),
        new("pm_card_visa_debit", "visa", "5556", "debit", "US", CardOutcome.Succeeds),
        new("pm_card_mastercard", "mastercard", "4444", "credit", "US", CardOutcome.Succeeds),
        new("pm_card_amex", "amex", "8431", "credit", "US", CardOutcome.Succeeds),
        new("pm_card_in", "visa", "0008", "credit", "IN", CardOutcome.Succeeds),
        new("pm_card_chargeDeclined", "visa", "0002", "credit", "US", CardOutcome.Declined, "card_declined", "generic_decline", "Your card was declined."),
        new("pm_card_visa_chargeDeclined", "visa", "0002", "credit", "US", CardOutcome.Declined, "card_declined", "generic_decline", "Your card was declined."),
        new("pm_card_chargeDeclinedInsufficientFunds", "visa", "9995", "credit", "US", CardOutcome.Declined, "card_declined", "insufficient_funds", "Your card has insufficient funds."),
        new("pm_card_visa_chargeDeclinedInsufficientFunds", "visa", "9995", "credit", "US", CardOutcome.Declined, "card_declined", "insufficient_funds", "Your card has insufficient funds."),
        new("pm_card_chargeDeclinedExpiredCard", "visa", "0069", "credit", "US", CardOutcome.Declined, "expired_card", "expired_card", "Your card has expired."),
        new("pm_card_chargeDeclinedIncorrectCvc", "visa", "0127", "credit", "US", CardOutcome.Declined, "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
        new("pm_card_authenticationRequired", "visa", "3184", "credit", "US", CardOutcome.RequiresAuthentication),
    }.ToDictionary(c => c.Token, StringComparer.Ordinal);

    public static TestCard? Find(string token) => ByToken.GetValueOrDefault(token);

    public static IEnumerable<string> Tokens => ByToken.Keys;
}
