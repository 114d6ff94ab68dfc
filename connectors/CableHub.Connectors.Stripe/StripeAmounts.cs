using System.Globalization;
using CableHub.Core;

namespace CableHub.Connectors.Stripe;

/// <summary>
/// Stripe amounts are integers in the currency's smallest unit (paise, cents); the hub's are decimals in the major
/// unit. Zero-decimal and three-decimal currencies follow Stripe's published lists. Never rounds: an amount with more
/// decimals than the currency has is an error.
/// </summary>
public static class StripeAmounts
{
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "BHD", "JOD", "KWD", "OMR", "TND" };

    public static int Decimals(string currency) =>
        ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;

    public static long ToMinor(Money money)
    {
        var factor = Factor(money.Currency);
        var minor = money.Amount * factor;
        if (minor != decimal.Truncate(minor))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{money.Amount} {money.Currency} has more decimals than {money.Currency} has ({Decimals(money.Currency)})"),
                nameof(money));
        }

        return (long)minor;
    }

    /// <summary>Stripe's lower-case currency and minor units → Money with an upper-case ISO code and the right scale
    /// (49900 inr → 499.00 INR).</summary>
    public static Money FromMinor(long minor, string currency)
    {
        // decimal multiplication adds scales: 49900 × 0.01 = 499.00 (not 499)
        var unit = Decimals(currency) switch
        {
            0 => 1m,
            3 => 0.001m,
            _ => 0.01m,
        };
        return new Money(minor * unit, currency.ToUpperInvariant());
    }

    private static decimal Factor(string currency) => Decimals(currency) switch
    {
        0 => 1m,
        3 => 1000m,
        _ => 100m,
    };
}
