using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using CableHub.Connectors.Notifications;
using CableHub.Connectors.Notifications.Email;
using CableHub.Connectors.Notifications.Sms;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CableHub.Identity.Tests;

/// <summary>
/// Reset tokens and activation codes reach people through the hub's notification connector: a real SMTP server (MailDev)
/// and the SMS provider simulator over HTTP. The code works once, and no log line, audit row or notification record holds it.
/// </summary>
public sealed partial class CodeDeliveryTests(PostgresFixture postgres, MaildevFixture maildev) : IClassFixture<PostgresFixture>, IClassFixture<MaildevFixture>, IAsyncLifetime
{
    private readonly CapturedLogs _logs = new();
    private SmsProviderSimulator _sms = null!;

    public async ValueTask InitializeAsync() => _sms = await SmsProviderSimulator.StartAsync(apiKey: "sms-key");

    public async ValueTask DisposeAsync() => await _sms.DisposeAsync();

    [Fact]
    public async Task A_reset_request_mails_a_working_single_use_code_that_is_never_logged_in_plain_text()
    {
        await using var api = await StartAsync();
        var address = $"lata-{Guid.NewGuid():N}@operator.example";
        await api.Identity.Accounts.AddStaffAsync("lata", TestIdentity.Password, [StaffRoles.CustomerService], address, null, "test", CancellationToken.None);

        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/password-reset", new { login = "lata" }, role: null)).Status.ShouldBe(HttpStatusCode.Accepted);

        var mail = (await MailToAsync(address)).ShouldHaveSingleItem();
        mail.Subject.ShouldBe("Reset your CableHub password");
        mail.Text!.ShouldContain("lata");
        var code = CodeLine().Match(mail.Text!).Groups[1].Value;
        code.Length.ShouldBe(43, "a 32-byte token, base64url");

        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/password-reset/complete", new { login = "lata", code, password = "brand-new-password" }, role: null))
            .Status.ShouldBe(HttpStatusCode.NoContent);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/password-reset/complete", new { login = "lata", code, password = "again-new-password" }, role: null))
            .Status.ShouldBe(HttpStatusCode.BadRequest, "single use");
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("lata", "brand-new-password", null))).Status.ShouldBe(HttpStatusCode.OK);

        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        var sent = (await conn.QueryAsync<(string Key, string State, string Text)>(
            "SELECT idempotency_key, state, row_to_json(m)::text FROM notification.message m WHERE template_id = 'identity-password-reset'")).ToList();
        sent.ShouldHaveSingleItem().State.ShouldBe("sent");
        sent[0].Key.ShouldStartWith("identity:password-reset:");
        sent[0].Text.ShouldNotContain(code);
        sent[0].Text.ShouldNotContain(address);
        (await conn.ExecuteScalarAsync<string>("SELECT detail FROM hub.access_audit WHERE event = 'password_reset_requested'"))!.ShouldStartWith("sent by e-mail");
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE concat_ws(' ', actor, subject, route, detail) LIKE '%' || @code || '%'", new { code }))
            .ShouldBe(0);
        _logs.Lines.ShouldNotBeEmpty("the connector logged the sending");
        _logs.Lines.ShouldContain(l => l.Contains("identity-password-reset", StringComparison.Ordinal));
        _logs.Lines.ShouldNotContain(l => l.Contains(code, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_subscriber_with_only_a_phone_gets_the_activation_code_by_sms_and_one_with_an_address_by_mail()
    {
        await using var api = await StartAsync();
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        var phoneOnly = await conn.ExecuteScalarAsync<string>("SELECT customer_number FROM hub.customer WHERE id = @id", new { id = api.Db.ActiveCustomers[1] });
        var withMail = await conn.ExecuteScalarAsync<string>("SELECT customer_number FROM hub.customer WHERE id = @id", new { id = api.Db.ActiveCustomers[0] });

        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/activation", new { login = phoneOnly }, role: null)).Status.ShouldBe(HttpStatusCode.Accepted);
        var sms = _sms.Accepted.ShouldHaveSingleItem();
        sms.To.ShouldBe(CatalogDatabase.People[1].Phone);
        var code = SmsCode().Match(sms.Text).Groups[1].Value;
        code.Length.ShouldBe(8);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/activation/complete", new { login = phoneOnly, code, password = "my-new-password" }, role: null))
            .Status.ShouldBe(HttpStatusCode.NoContent);
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm(phoneOnly!, "my-new-password", null))).Status.ShouldBe(HttpStatusCode.OK);

        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/activation", new { login = withMail }, role: null)).Status.ShouldBe(HttpStatusCode.Accepted);
        var mail = (await MailToAsync(CatalogDatabase.People[0].Email!)).ShouldHaveSingleItem();
        mail.Subject.ShouldBe("Your CableHub activation code");
        CodeLine().Match(mail.Text!).Groups[1].Value.Length.ShouldBe(8);

        _logs.Lines.ShouldNotContain(l => l.Contains(code, StringComparison.Ordinal));
        var details = (await conn.QueryAsync<string>("SELECT detail FROM hub.access_audit WHERE event = 'activation_requested' ORDER BY id")).ToList();
        details.Count.ShouldBe(2);
        details[0].ShouldBe($"sent by SMS ({sms.Id})");
        details[1].ShouldStartWith("sent by e-mail");
    }

    /// <summary>The API host with the hub's notification connector (SMTP → MailDev, SMS → simulator) and the module's own messenger.</summary>
    private Task<ApiHost> StartAsync() => ApiHost.StartAsync(postgres, (services, db) =>
    {
        services.AddSingleton<ILoggerProvider>(_logs);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        services.AddNotifications(db.ConnectionString, new NotificationOptions(),
            new SmtpOptions { Host = maildev.SmtpHost, Port = maildev.SmtpPort, Security = "None", FromAddress = "care@cablehub.test" },
            new SmsOptions { BaseUrl = _sms.Address.ToString(), ApiKey = "sms-key" });
        services.RemoveAll<IIdentityMessenger>(); // the test identity records codes; here the module's own messenger sends them
        services.AddIdentityMessenger(new IdentityOptions { MessageTimeZone = "Asia/Kolkata" });
    });

    private async Task<IReadOnlyList<ReceivedMail>> MailToAsync(string address)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var mails = await maildev.MailToAsync(address);
            if (mails.Count > 0 || DateTime.UtcNow > deadline)
            {
                return mails;
            }

            await Task.Delay(200);
        }
    }

    [GeneratedRegex(@"^ {4}(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex CodeLine();

    [GeneratedRegex(@"code is (\d{8})")]
    private static partial Regex SmsCode();

    /// <summary>Every log line (message and scope values) the app writes.</summary>
    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Queue { get; } = new();

        public IReadOnlyList<string> Lines => [.. Queue];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                owner.Queue.Enqueue($"{category} scope {Describe(state)}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Queue.Enqueue($"{category} {logLevel} {formatter(state, exception)} {Describe(state)} {exception}");

            private static string Describe(object? state) => state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : state?.ToString() ?? "";
        }
    }
}
