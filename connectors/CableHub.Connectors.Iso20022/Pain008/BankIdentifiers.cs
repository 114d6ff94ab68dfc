using System.Text.RegularExpressions;

namespace CableHub.Connectors.Iso20022.Pain008;

/// <summary>Checks of the identifiers a direct-debit file carries: IBAN (ISO 13616 mod-97), BIC (ISO 9362),
/// ISO 11649 creditor references ("RF…"), and the SEPA character set for identifiers.</summary>
public static partial class BankIdentifiers
{
    /// <summary>Null when the IBAN is well-formed with correct check digits; else the reason.</summary>
    public static string? IbanProblem(string? iban)
    {
        if (string.IsNullOrEmpty(iban))
        {
            return "IBAN is missing";
        }

        if (!IbanShape().IsMatch(iban))
        {
            return $"\"{iban}\" is not an IBAN (2 letters, 2 check digits, up to 30 letters/digits, no spaces)";
        }

        return Mod97(iban[4..] + iban[..4]) == 1 ? null : $"IBAN \"{iban}\" has wrong check digits";
    }

    public static string? BicProblem(string? bic) =>
        string.IsNullOrEmpty(bic) || BicShape().IsMatch(bic) ? null : $"\"{bic}\" is not a BIC (8 or 11 characters, ISO 9362)";

    /// <summary>ISO 11649 ("RF" + 2 check digits + up to 21 characters) is checked; other references only for length.</summary>
    public static string? CreditorReferenceProblem(string reference)
    {
        if (reference.Length is 0 or > 35)
        {
            return "creditor reference must have 1 to 35 characters";
        }

        if (reference.StartsWith("RF", StringComparison.Ordinal))
        {
            if (!Rf().IsMatch(reference))
            {
                return $"\"{reference}\" is not an ISO 11649 reference (RF, 2 digits, 1-21 letters/digits)";
            }

            if (Mod97(reference[4..] + reference[..4]) != 1)
            {
                return $"ISO 11649 reference \"{reference}\" has wrong check digits";
            }
        }

        return null;
    }

    /// <summary>SEPA identifiers (message, payment, end-to-end, mandate ids): 1..35 of a-z A-Z 0-9 / - ? : ( ) . , ' + space,
    /// not starting or ending with '/', no "//".</summary>
    public static string? SepaIdProblem(string? id, int maxLength = 35)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "is missing";
        }

        if (id.Length > maxLength)
        {
            return $"\"{id}\" is longer than {maxLength} characters";
        }

        if (!SepaText().IsMatch(id))
        {
            return $"\"{id}\" has characters outside the SEPA set (a-z A-Z 0-9 / - ? : ( ) . , ' + space)";
        }

        return id.StartsWith('/') || id.EndsWith('/') || id.Contains("//", StringComparison.Ordinal)
            ? $"\"{id}\" must not start or end with '/' nor contain \"//\""
            : null;
    }

    /// <summary>An IBAN with computed check digits from a country code and the national account number (BBAN).</summary>
    public static string MakeIban(string country, string bban)
    {
        ArgumentNullException.ThrowIfNull(country);
        ArgumentNullException.ThrowIfNull(bban);
        var check = 98 - Mod97(bban + country + "00");
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{country}{check:00}{bban}");
    }

    /// <summary>An ISO 11649 creditor reference ("RF" + check digits + <paramref name="reference"/>, ≤ 21 letters/digits).</summary>
    public static string MakeCreditorReference(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var check = 98 - Mod97(reference + "RF00");
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"RF{check:00}{reference}");
    }

    /// <summary>The ISO 13616 / ISO 11649 check: letters as 10..35, the number mod 97.</summary>
    internal static int Mod97(string rearranged)
    {
        var remainder = 0;
        foreach (var c in rearranged)
        {
            int value;
            if (c is >= '0' and <= '9')
            {
                value = c - '0';
                remainder = ((remainder * 10) + value) % 97;
            }
            else
            {
                value = char.ToUpperInvariant(c) - 'A' + 10;
                remainder = ((remainder * 100) + value) % 97;
            }
        }

        return remainder;
    }

    [GeneratedRegex("^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$", RegexOptions.CultureInvariant)]
    private static partial Regex IbanShape();

    [GeneratedRegex("^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$", RegexOptions.CultureInvariant)]
    private static partial Regex BicShape();

    [GeneratedRegex("^RF[0-9]{2}[A-Za-z0-9]{1,21}$", RegexOptions.CultureInvariant)]
    private static partial Regex Rf();

    [GeneratedRegex(@"^[A-Za-z0-9/\-?:().,'+ ]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SepaText();
}
