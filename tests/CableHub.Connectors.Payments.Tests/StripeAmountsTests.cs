using CableHub.Connectors.Stripe;
using CableHub.Core;

namespace CableHub.Connectors.Payments.Tests;

public sealed class StripeAmountsTests
{
    [Theory]
    [InlineData("499.00", "INR", 49900)]
    [InlineData("0.5", "USD", 50)]
    [InlineData("500", "JPY", 500)]
    [InlineData("1.234", "KWD", 1234)]
    public void Decimal_to_minor_units(string amount, string currency, long minor) =>
        StripeAmounts.ToMinor(new Money(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency)).ShouldBe(minor);

    [Fact]
    public void Minor_units_back_with_the_currency_scale()
    {
        StripeAmounts.FromMinor(49900, "inr").ShouldBe(new Money(499.00m, "INR"));
        StripeAmounts.FromMinor(49900, "inr").Amount.ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("499.00");
        StripeAmounts.FromMinor(500, "jpy").Amount.ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("500");
        StripeAmounts.FromMinor(1234, "kwd").Amount.ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("1.234");
    }

    [Fact]
    public void Never_rounds()
    {
        Should.Throw<ArgumentException>(() => StripeAmounts.ToMinor(new Money(499.005m, "INR"))).Message.ShouldContain("more decimals");
        Should.Throw<ArgumentException>(() => StripeAmounts.ToMinor(new Money(1.5m, "JPY")));
    }
}
