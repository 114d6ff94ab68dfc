using System.Diagnostics;

namespace CableHub.Testing;

/// <summary>Debian's xmllint (libxml2-utils, installed by ./cablehub): a second, independent XSD validator for the files the hub writes and reads.</summary>
public static class XmlLint
{
    /// <summary>Validates <paramref name="documentPath"/> against <paramref name="schemaPath"/>: exit code (0 = valid) and what xmllint said.</summary>
    public static (int ExitCode, string Errors) Validate(string schemaPath, string documentPath)
    {
        var start = new ProcessStartInfo("xmllint")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--noout");
        start.ArgumentList.Add("--nonet");
        start.ArgumentList.Add("--schema");
        start.ArgumentList.Add(schemaPath);
        start.ArgumentList.Add(documentPath);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("xmllint did not start (install libxml2-utils: ./cablehub build does)");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stderr.Result + stdout.Result);
    }
}
