namespace CableHub.Connectors.Edi;

/// <summary>GS1 Serial Shipping Container Code (SSCC-18): normalization and mod-10 check digit.</summary>
public static class Sscc
{
    /// <summary>Outcome of reading a marks value as an SSCC.</summary>
    public enum Status
    {
        Valid,
        BadCheckDigit,
        NotAnSscc,
    }

    /// <summary>
    /// Reads <paramref name="value"/> as an SSCC: 18 digits, or 20 digits with the "00" application identifier
    /// (optionally written "(00)"). <paramref name="sscc"/> gets the 18 digits whenever the shape is right.
    /// </summary>
    public static Status Check(string value, out string? sscc, out int expectedCheckDigit)
    {
        ArgumentNullException.ThrowIfNull(value);
        var digits = value.Trim();
        if (digits.StartsWith("(00)", StringComparison.Ordinal))
        {
            digits = digits[4..];
        }
        else if (digits.Length == 20 && digits.StartsWith("00", StringComparison.Ordinal))
        {
            digits = digits[2..];
        }

        expectedCheckDigit = -1;
        sscc = null;
        if (digits.Length != 18 || digits.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            return Status.NotAnSscc;
        }

        sscc = digits;
        expectedCheckDigit = CheckDigit(digits.AsSpan(0, 17));
        return digits[17] - '0' == expectedCheckDigit ? Status.Valid : Status.BadCheckDigit;
    }

    public static bool IsValid(string value) => Check(value, out _, out _) == Status.Valid;

    /// <summary>GS1 mod-10 check digit of a digit string (weights 3,1,3,… from the right).</summary>
    public static int CheckDigit(ReadOnlySpan<char> body)
    {
        var sum = 0;
        var weight = 3;
        for (var i = body.Length - 1; i >= 0; i--)
        {
            var d = body[i] - '0';
            if ((uint)d > 9)
            {
                throw new ArgumentException("GS1 check digits are computed over digits only", nameof(body));
            }

            sum += d * weight;
            weight = 4 - weight;
        }

        return (10 - (sum % 10)) % 10;
    }

    /// <summary>Builds a valid SSCC-18 from an extension digit, a company prefix and a serial reference (17 digits together).</summary>
    public static string Create(string extensionPrefixAndSerial)
    {
        ArgumentNullException.ThrowIfNull(extensionPrefixAndSerial);
        if (extensionPrefixAndSerial.Length != 17)
        {
            throw new ArgumentException("an SSCC body is 17 digits", nameof(extensionPrefixAndSerial));
        }

        return extensionPrefixAndSerial + (char)('0' + CheckDigit(extensionPrefixAndSerial));
    }
}
