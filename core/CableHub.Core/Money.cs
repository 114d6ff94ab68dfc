using System.Globalization;

namespace CableHub.Core;

/// <summary>An amount in one currency (ISO 4217 code). Never a float.</summary>
public readonly record struct Money(decimal Amount, string Currency)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Amount:0.00} {Currency}");
}
