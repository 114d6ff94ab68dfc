using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CableHub.Connectors.Notifications.Sms;

/// <summary>The SMS provider and our sender id (the host binds <c>Notifications:Sms</c>).</summary>
public sealed class SmsOptions
{
    /// <summary>Base address of the provider API (<c>SMS-PROVIDER-API.md</c>).</summary>
    public string BaseUrl { get; set; } = "";

    public string? ApiKey { get; set; }

    /// <summary>Sender id shown on the phone.</summary>
    public string SenderId { get; set; } = "CBLHUB";

    public Common.Resilience.ConnectorResilienceOptions Resilience { get; set; } = new();
}

/// <summary>
/// SMS through the provider's JSON API, typed HttpClient (correlation id, resilience handler). The idempotency
/// key travels as <c>Idempotency-Key</c>, so the provider sends a retried request once.
/// 201/200 → sent; 400/422 → <see cref="NotificationRejectedException"/>; 401/403, 5xx, 429, timeouts, open circuit →
/// <see cref="NotificationUnavailableException"/>.
/// </summary>
public sealed class HttpSmsTransport(Func<HttpClient> client, SmsOptions options, ILogger<HttpSmsTransport> logger) : ISmsTransport
{
    /// <summary>A number as people write it ("+91 98200 00000", "+1 (212) 555-0100") in the E.164 form the provider takes: separators dropped.</summary>
    public static string E164(string number) =>
        new((number ?? "").Where(c => c is not (' ' or '-' or '(' or ')' or '.' or '\u00a0')).ToArray());

    public async Task<string> SendAsync(SmsMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent(JsonSerializer.Serialize(new SmsProviderWire.SendRequest(E164(message.To), options.SenderId, message.Text, message.IdempotencyKey),
                SmsProviderWire.Json), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(SmsProviderWire.IdempotencyKeyHeader, message.IdempotencyKey);
        HttpResponseMessage response;
        try
        {
            response = await client().SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new NotificationUnavailableException("SMS provider circuit is open; failing fast", e);
        }
        catch (Exception e) when (e is TimeoutRejectedException or HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new NotificationUnavailableException($"SMS provider unreachable: {e.Message}", e);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var sent = await response.Content.ReadFromJsonAsync<SmsProviderWire.Message>(SmsProviderWire.Json, ct).ConfigureAwait(false)
                    ?? throw new NotificationUnavailableException("SMS provider answered without a message");
                logger.LogInformation("SMS {ProviderId} accepted ({Segments} segment(s), key {IdempotencyKey})", sent.Id, sent.Segments, message.IdempotencyKey);
                return sent.Id;
            }

            SmsProviderWire.Error? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync<SmsProviderWire.Error>(SmsProviderWire.Json, ct).ConfigureAwait(false);
            }
            catch (JsonException)
            {
            }

            throw response.StatusCode switch
            {
                HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict =>
                    new NotificationRejectedException($"SMS provider refused the message: {error?.Code} {error?.Message}"),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                    new NotificationUnavailableException($"SMS provider refused our credentials ({(int)response.StatusCode}): check Notifications:Sms:ApiKey"),
                _ => new NotificationUnavailableException($"SMS provider answered {(int)response.StatusCode}: {error?.Message ?? response.ReasonPhrase}"),
            };
        }
    }
}
