using System.Collections.Concurrent;
using System.Globalization;
using CableHub.Core;
using CableHub.Core.Ports;
using Fluid;
using Fluid.Values;

namespace CableHub.Connectors.Notifications.Templates;

/// <summary>A message ready to send, and the language it was rendered in (after fallback).</summary>
public sealed record RenderedMessage(string Language, string? Subject, string Text, string? Html);

/// <summary>The template id exists in no language (or a file does not parse): a permanent refusal.</summary>
public sealed class TemplateNotFoundException(string message) : Exception(message);

/// <summary>
/// Renders the Liquid templates embedded in this assembly (<c>Templates/&lt;id&gt;/&lt;language&gt;/*.liquid</c>) with Fluid,
/// in the recipient's language (falling back to the region-less language, then <paramref name="defaultLanguage"/>)
/// and time zone. Parsed templates are cached. Thread-safe.
/// </summary>
public sealed class TemplateRenderer(string defaultLanguage = "en")
{
    private static readonly FluidParser Parser = new();
    private static readonly TemplateOptions Options = CreateOptions();
    private readonly ConcurrentDictionary<string, IFluidTemplate?> _cache = new(StringComparer.Ordinal);

    /// <summary>Template ids present in the assembly.</summary>
    public static IReadOnlyList<string> TemplateIds { get; } = typeof(TemplateRenderer).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("Templates/", StringComparison.Ordinal))
        .Select(n => n.Split('/')[1]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public async Task<RenderedMessage> RenderAsync(string templateId, string language, NotificationChannel channel,
        IReadOnlyDictionary<string, object?> data, string timeZone)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(templateId);
        ArgumentNullException.ThrowIfNull(data);
        var used = Candidates(language).FirstOrDefault(l => Template(templateId, l, channel == NotificationChannel.Email ? "email.txt" : "sms") is not null)
            ?? throw new TemplateNotFoundException($"template {templateId} has no {(channel == NotificationChannel.Email ? "e-mail" : "SMS")} text in {language} or {defaultLanguage}");

        var zone = TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone);
        var context = new TemplateContext(Options) { CultureInfo = Culture(used), TimeZone = zone };
        foreach (var (name, value) in data)
        {
            context.SetValue(name, FluidValue.Create(InZone(value, zone), Options));
        }

        if (channel == NotificationChannel.Sms)
        {
            var sms = await Template(templateId, used, "sms")!.RenderAsync(context).ConfigureAwait(false);
            return new RenderedMessage(used, null, sms.Trim(), null);
        }

        var subject = Template(templateId, used, "subject") is { } s ? (await s.RenderAsync(context).ConfigureAwait(false)).Trim() : templateId;
        var text = await Template(templateId, used, "email.txt")!.RenderAsync(context).ConfigureAwait(false);
        var html = Template(templateId, used, "email.html") is { } h ? await h.RenderAsync(context).ConfigureAwait(false) : null;
        return new RenderedMessage(used, subject, text, html);
    }

    /// <summary>Instants are shown on the recipient's clock (Liquid's date filter keeps a value's own offset).</summary>
    private static object? InZone(object? value, TimeZoneInfo zone) => value switch
    {
        DateTimeOffset instant => TimeZoneInfo.ConvertTime(instant, zone),
        DateTime { Kind: DateTimeKind.Utc } utc => TimeZoneInfo.ConvertTime(new DateTimeOffset(utc), zone),
        IReadOnlyDictionary<string, object?> nested => nested.ToDictionary(kv => kv.Key, kv => InZone(kv.Value, zone)),
        _ => value,
    };

    private IEnumerable<string> Candidates(string language)
    {
        if (!string.IsNullOrWhiteSpace(language))
        {
            yield return language;
            var dash = language.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0)
            {
                yield return language[..dash];
            }
        }

        yield return defaultLanguage;
    }

    private IFluidTemplate? Template(string templateId, string language, string part) =>
        _cache.GetOrAdd($"Templates/{templateId}/{language}/{part}.liquid", static name =>
        {
            using var stream = typeof(TemplateRenderer).Assembly.GetManifestResourceStream(name);
            if (stream is null)
            {
                return null;
            }

            using var reader = new StreamReader(stream);
            var source = reader.ReadToEnd();
            return Parser.TryParse(source, out var template, out var error)
                ? template
                : throw new TemplateNotFoundException($"{name} does not parse: {error}");
        });

    private static CultureInfo Culture(string language)
    {
        try
        {
            // Indian English and Hindi for the India profile; other languages as given.
            return CultureInfo.GetCultureInfo(language switch { "en" => "en-IN", "hi" => "hi-IN", _ => language });
        }
        catch (CultureNotFoundException)
        {
            return CultureInfo.InvariantCulture;
        }
    }

    private static TemplateOptions CreateOptions() =>
        new TemplateOptionsBuilder()
            .AddFilter("money", static (input, _, context) =>
            {
                var (amount, currency) = input.ToObjectValue(context) switch
                {
                    Money m => (m.Amount, m.Currency),
                    decimal d => (d, (string?)null),
                    _ => (input.ToNumberValue(context), null),
                };
                var culture = context.CultureInfo;
                var local = culture.Name.Contains('-', StringComparison.Ordinal) ? new RegionInfo(culture.Name).ISOCurrencySymbol : null;
                var text = currency is null || string.Equals(currency, local, StringComparison.OrdinalIgnoreCase)
                    ? amount.ToString("C2", culture)
                    : string.Create(culture, $"{amount:N2} {currency}");
                return ValueTask.FromResult<FluidValue>(StringValue.Create(text));
            })
            .Build();
}
