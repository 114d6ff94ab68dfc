using CableHub.Connectors.Common.Resilience;
using CableHub.Connectors.Common.Simulation;
using CableHub.Connectors.Notifications.Email;
using CableHub.Connectors.Notifications.Sms;
using CableHub.Connectors.Notifications.Store;
using CableHub.Core.Ports;
using CableHub.Core.Security;
using CableHub.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CableHub.Connectors.Notifications.Tests;

/// <summary>The notification sender against a real SMTP server (MailDev) and the SMS provider simulator over HTTP.</summary>
[Collection(NotificationCollection.Name)]
public sealed class DispatcherTests(PostgresFixture postgres, MaildevFixture maildev) : IAsyncLifetime
{
    private static readonly ConnectorResilienceOptions Fast = new()
    {
        AttemptTimeout = TimeSpan.FromMilliseconds(700),
        TotalTimeout = TimeSpan.FromSeconds(10),
        MaxRetries = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        MinimumThroughput = 3,
        SamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = TimeSpan.FromSeconds(5), // the next call must still find it open on a loaded CI machine
    };

    private static readonly FieldEncryptor Encryptor = FieldEncryptor.FromSingleKey(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray());

    private readonly ManualTime _time = new(new DateTimeOffset(2026, 3, 1, 6, 0, 0, TimeSpan.Zero)); // 11:30 in India
    private SmsProviderSimulator _sms = null!;
    private ServiceProvider _services = null!;
    private INotificationSender _sender = null!;
    private string _db = "";

    public async ValueTask InitializeAsync()
    {
        _db = await postgres.CreateMigratedDatabaseAsync(); // schema notification comes from the hub's migrations
        _sms = await SmsProviderSimulator.StartAsync(apiKey: "sms-key", faults: new SimulatorFaultSettings { HangFor = TimeSpan.FromSeconds(3) },
            loggerFactory: TestLogging.Factory);
        (_services, _sender) = Build(maildev.SmtpPort);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _sms.DisposeAsync();
    }

    private (ServiceProvider, INotificationSender) Build(int smtpPort)
    {
        var services = new ServiceCollection()
            .AddSingleton(TestLogging.Factory)
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton(Encryptor)
            .AddNotifications(_db, new NotificationOptions(),
                new SmtpOptions { Host = "127.0.0.1", Port = smtpPort, Security = "None", FromAddress = "care@cablehub.test", Resilience = Fast },
                new SmsOptions { BaseUrl = _sms.Address.ToString(), ApiKey = "sms-key", SenderId = "CBLHUB", Resilience = Fast })
            .BuildServiceProvider();
        return (services, services.GetRequiredService<INotificationSender>());
    }

    private static string Address(string name) => $"{name}-{Guid.NewGuid():N}"[..20] + "@example.in";

    private IConnectorHealth Health(string name) => _services.GetServices<IConnectorHealth>().Single(h => h.Name == name);

    private async Task<NotificationRecord?> RecordAsync(string key) =>
        await _services.GetRequiredService<NotificationLog>().FindAsync(key, default);

    [Fact]
    public async Task A_hindi_welcome_arrives_by_smtp_once_whatever_the_repeats()
    {
        var to = Address("asha");
        var key = "welcome:" + Guid.NewGuid();

        var sent = await _sender.SendAsync(Messages.Welcome(key, NotificationChannel.Email, "hi", email: to), default);
        var again = await _sender.SendAsync(Messages.Welcome(key, NotificationChannel.Email, "hi", email: to), default);

        sent.Outcome.ShouldBe(NotificationOutcome.Sent);
        sent.Language.ShouldBe("hi");
        again.Outcome.ShouldBe(NotificationOutcome.AlreadySent);
        again.ProviderMessageId.ShouldBe(sent.ProviderMessageId);
        var mail = (await maildev.MailToAsync(to)).ShouldHaveSingleItem();
        mail.Subject.ShouldBe("केबलहब में आपका स्वागत है, Asha Verma");
        mail.Text.ShouldNotBeNull().ShouldContain("आपका प्लान Family M");
        mail.Text.ShouldContain("₹499.00");
        mail.To.ShouldHaveSingleItem().Address.ShouldBe(to);
        mail.Header("content-language").ShouldBe("hi");
        mail.Header("x-cablehub-template").ShouldBe("welcome");
        mail.Header("message-id").ShouldBe($"<{sent.ProviderMessageId}>");
        var record = (await RecordAsync(key))!;
        (record.State, record.Channel, record.Language, record.CustomerId, record.Attempts).ShouldBe(("sent", "email", "hi", "CUST-1", 1));
    }

    [Fact]
    public async Task No_consent_means_no_mail_and_the_decision_is_recorded()
    {
        var to = Address("noconsent");
        var key = "plan:" + Guid.NewGuid();

        var result = await _sender.SendAsync(Messages.Welcome(key, NotificationChannel.Email, "en", email: to, policy: new ContactPolicy(false, true)), default);

        result.Outcome.ShouldBe(NotificationOutcome.Suppressed);
        result.Reason.ShouldBe("no consent for e-mail");
        (await RecordAsync(key))!.State.ShouldBe("suppressed");
        // consent given later does not resurrect a decided key
        (await _sender.SendAsync(Messages.Welcome(key, NotificationChannel.Email, "en", email: to), default)).Outcome.ShouldBe(NotificationOutcome.Suppressed);
        (await maildev.MailToAsync(to)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Sms_in_quiet_hours_is_deferred_then_sent_when_asked_again_after_them()
    {
        _time.Now = new DateTimeOffset(2026, 3, 1, 17, 30, 0, TimeSpan.Zero); // 23:00 in India
        var policy = new ContactPolicy(true, true, new QuietHours(new TimeOnly(21, 0), new TimeOnly(9, 0), "Asia/Kolkata"));
        var key = "reminder:" + Guid.NewGuid();
        var request = Messages.Welcome(key, NotificationChannel.Sms, "en", phone: "+919800000001", policy: policy);

        var deferred = await _sender.SendAsync(request, default);
        deferred.Outcome.ShouldBe(NotificationOutcome.Deferred);
        deferred.NotBefore.ShouldBe(new DateTimeOffset(2026, 3, 2, 3, 30, 0, TimeSpan.Zero));
        (await RecordAsync(key)).ShouldBeNull();
        _sms.Accepted.ShouldNotContain(m => m.Reference == key);

        _time.Now = deferred.NotBefore!.Value;
        var sent = await _sender.SendAsync(request, default);
        sent.Outcome.ShouldBe(NotificationOutcome.Sent);
        var sms = _sms.Accepted.Single(m => m.Reference == key);
        (sms.To, sms.From, sms.Id).ShouldBe(("+919800000001", "CBLHUB", sent.ProviderMessageId));
        sms.Text.ShouldStartWith("Welcome to CableHub, Asha Verma!");
    }

    [Fact]
    public async Task Provider_errors_are_retried_with_the_same_key_and_the_sms_goes_out_once()
    {
        var key = "restored:" + Guid.NewGuid();
        _sms.Faults.ForceNext(FaultKind.Error, 2);

        var sent = await _sender.SendAsync(Messages.Welcome(key, NotificationChannel.Sms, "en", phone: "+919800000002"), default);

        sent.Outcome.ShouldBe(NotificationOutcome.Sent);
        Health("sms").Snapshot().Retries.ShouldBe(2);
        _sms.Accepted.Count(m => m.Reference == key).ShouldBe(1);
    }

    [Fact]
    public async Task A_lost_provider_answer_is_retried_and_the_provider_sends_the_key_once()
    {
        var key = "lost:" + Guid.NewGuid();
        _sms.Faults.ForceNext(FaultKind.LostResponse);
        var before = _sms.Requests;

        var sent = await _sender.SendAsync(Messages.Welcome(key, NotificationChannel.Sms, "en", phone: "+919800000003"), default);

        sent.Outcome.ShouldBe(NotificationOutcome.Sent);
        (_sms.Requests - before).ShouldBe(2);
        var only = _sms.Accepted.Single(m => m.Reference == key);
        sent.ProviderMessageId.ShouldBe(only.Id);
    }

    [Fact]
    public async Task Refused_numbers_are_rejected_for_good()
    {
        _sms.Block("+919800000004");
        var blocked = await _sender.SendAsync(Messages.Welcome("b:" + Guid.NewGuid(), NotificationChannel.Sms, "en", phone: "+919800000004"), default);
        var invalid = await _sender.SendAsync(Messages.Welcome("i:" + Guid.NewGuid(), NotificationChannel.Sms, "en", phone: "98000"), default);

        blocked.Outcome.ShouldBe(NotificationOutcome.Rejected);
        blocked.Reason.ShouldNotBeNull().ShouldContain("blocked_number");
        invalid.Outcome.ShouldBe(NotificationOutcome.Rejected);
        invalid.Reason.ShouldNotBeNull().ShouldContain("invalid_number");
        Health("sms").Snapshot().Retries.ShouldBe(0);
    }

    [Fact]
    public async Task Smtp_down_gives_the_key_back_opens_the_circuit_and_a_later_attempt_sends_once()
    {
        var (down, sender) = Build(Network.FreePort()); // nothing listens there
        await using var _ = down;
        var to = Address("later");
        var key = "down:" + Guid.NewGuid();

        await Should.ThrowAsync<NotificationUnavailableException>(() => sender.SendAsync(Messages.Welcome(key, NotificationChannel.Email, "en", email: to), default));
        var health = down.GetServices<IConnectorHealth>().Single(h => h.Name == "smtp").Snapshot();
        health.Retries.ShouldBe(2);
        health.Circuit.ShouldBe(CircuitStatus.Open);
        var fast = await Should.ThrowAsync<NotificationUnavailableException>(() => sender.SendAsync(Messages.Welcome(key, NotificationChannel.Email, "en", email: to), default));
        fast.Message.ShouldContain("circuit is open");
        (await RecordAsync(key))!.State.ShouldBe("sending");

        var sent = await _sender.SendAsync(Messages.Welcome(key, NotificationChannel.Email, "en", email: to), default);
        sent.Outcome.ShouldBe(NotificationOutcome.Sent);
        (await maildev.MailToAsync(to)).ShouldHaveSingleItem();
        (await RecordAsync(key))!.Attempts.ShouldBe(3);
    }

    [Fact]
    public async Task A_live_claim_of_another_sender_is_respected_and_an_expired_one_taken_over()
    {
        var to = Address("claim");
        var key = "claim:" + Guid.NewGuid();
        var request = Messages.Welcome(key, NotificationChannel.Email, "en", email: to);
        var log = _services.GetRequiredService<NotificationLog>();
        (await log.ClaimAsync(request, "en", TimeSpan.FromMinutes(2), default)).ShouldNotBeNull(); // a sender that then crashed (before its hand-off)

        await Should.ThrowAsync<NotificationUnavailableException>(() => _sender.SendAsync(request, default));
        (await maildev.MailToAsync(to)).ShouldBeEmpty();

        _time.Now += TimeSpan.FromMinutes(3);
        (await _sender.SendAsync(request, default)).Outcome.ShouldBe(NotificationOutcome.Sent);
        (await maildev.MailToAsync(to)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task An_e_mail_whose_hand_off_was_interrupted_by_a_crash_is_not_sent_again()
    {
        var to = Address("handoff");
        var key = "handoff:" + Guid.NewGuid();
        var request = Messages.Welcome(key, NotificationChannel.Email, "en", email: to);
        var log = _services.GetRequiredService<NotificationLog>();
        (await log.ClaimAsync(request, "en", TimeSpan.FromMinutes(2), default)).ShouldNotBeNull();
        await log.StartHandOffAsync(key, default); // a sender that crashed while the SMTP server was taking the mail

        _time.Now += TimeSpan.FromMinutes(3);
        var result = await _sender.SendAsync(request, default);
        result.Outcome.ShouldBe(NotificationOutcome.Rejected);
        result.Reason.ShouldNotBeNull().ShouldStartWith("not re-sent: a sender stopped while handing it to the mail server");
        (await maildev.MailToAsync(to)).ShouldBeEmpty();
        (await RecordAsync(key))!.State.ShouldBe("rejected");
        (await _sender.SendAsync(request, default)).Outcome.ShouldBe(NotificationOutcome.Rejected); // and stays so
    }

    [Fact]
    public async Task Customer_history_lists_what_was_decided_without_addresses()
    {
        await _sender.SendAsync(Messages.Welcome("h1:" + Guid.NewGuid(), NotificationChannel.Email, "en", email: Address("hist")), default);
        await _sender.SendAsync(Messages.Welcome("h2:" + Guid.NewGuid(), NotificationChannel.Sms, "en", policy: new ContactPolicy(true, false)), default);

        var history = await _services.GetRequiredService<NotificationLog>().ForCustomerAsync("CUST-1", default);
        history.Select(h => h.State).ShouldContain("sent");
        history.Select(h => h.State).ShouldContain("suppressed");
        await using var conn = new NpgsqlConnection(_db);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM notification.message WHERE row_to_json(message)::text LIKE '%example.in%' OR row_to_json(message)::text LIKE '%+9198%'", conn);
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(0);
    }

    [Fact]
    public async Task What_was_sent_is_stored_encrypted_read_back_as_the_history_and_erased_for_its_customer_only()
    {
        var customer = Guid.NewGuid();
        var other = Guid.NewGuid();
        var to = Address("kept");
        var otherTo = Address("other");
        Task<NotificationResult> Send(Guid who, string address) => _sender.SendAsync(Messages.Welcome("kept:" + Guid.NewGuid(), NotificationChannel.Email, "en", email: address) with
        {
            Recipient = new NotificationRecipient(who.ToString(), "Asha Verma", address, "+919812345678", "Asia/Kolkata"),
        }, default);
        (await Send(customer, to)).Outcome.ShouldBe(NotificationOutcome.Sent);
        (await Send(other, otherTo)).Outcome.ShouldBe(NotificationOutcome.Sent);
        (await _sender.SendAsync(Messages.Welcome("kept-sms:" + Guid.NewGuid(), NotificationChannel.Sms, "en", policy: new ContactPolicy(true, false)) with
        {
            Recipient = new NotificationRecipient(customer.ToString(), "Asha Verma", to, "+919812345678", "Asia/Kolkata"),
        }, default)).Outcome.ShouldBe(NotificationOutcome.Suppressed);
        var mail = (await maildev.MailToAsync(to)).ShouldHaveSingleItem();

        // Read back decrypted: exactly what the mail server received, newest first.
        var log = _services.GetRequiredService<NotificationLog>();
        var history = await log.ListAsync(new CommunicationQuery(customer.ToString(), null, null, null, null, 0, 10), default);
        history.Total.ShouldBe(2);
        var sent = history.Items.Single(m => m.State == "sent");
        sent.Channel.ShouldBe("email");
        sent.Content.Address.ShouldBe(to);
        sent.Content.Name.ShouldBe("Asha Verma");
        sent.Content.Subject.ShouldBe(mail.Subject);
        sent.Content.Body!.Trim().ShouldBe(mail.Text!.Trim());
        sent.SentAt.ShouldNotBeNull();
        sent.HandOffAt.ShouldNotBeNull();
        var suppressed = history.Items.Single(m => m.State == "suppressed");
        suppressed.Content.Address.ShouldBe("+919812345678"); // the SMS that was not sent: to whom, no text (never rendered)
        suppressed.Content.Body.ShouldBeNull();
        (await log.GetAsync(sent.Id, default))!.Content.ShouldBe(sent.Content);
        (await log.ListAsync(new CommunicationQuery(customer.ToString(), "sms", null, null, null, 0, 10), default)).Items.ShouldHaveSingleItem().State.ShouldBe("suppressed");
        (await log.ListAsync(new CommunicationQuery(customer.ToString(), null, ["sent"], null, null, 0, 10), default)).Total.ShouldBe(1);

        // At rest: no address, name or text in clear.
        await using var conn = new NpgsqlConnection(_db);
        await conn.OpenAsync();
        async Task<long> CountAsync(string sql, params (string Name, object Value)[] args)
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            foreach (var (name, value) in args)
            {
                cmd.Parameters.AddWithValue(name, value);
            }

            return (long)(await cmd.ExecuteScalarAsync())!;
        }

        (await CountAsync("SELECT count(*) FROM notification.message WHERE row_to_json(message)::text ILIKE '%' || @needle || '%' OR position(convert_to(@needle, 'UTF8') in body_enc) > 0 OR position(convert_to(@needle, 'UTF8') in recipient_enc) > 0",
            ("needle", to))).ShouldBe(0);
        (await CountAsync("SELECT count(*) FROM notification.message WHERE position(convert_to('Asha Verma', 'UTF8') in coalesce(body_enc, '') || coalesce(recipient_name_enc, '')) > 0")).ShouldBe(0);

        // Erasure: this customer's recipient, name, subject and text overwritten; the bookkeeping and the other customer kept.
        var erasure = await new NotificationSubjectData(NpgsqlDataSource.Create(_db), log).EraseAsync(customer, "staff:test", default);
        erasure.Done[0].ShouldStartWith("2 message(s)");
        var erased = (await log.GetAsync(sent.Id, default))!;
        erased.State.ShouldBe("sent");
        erased.ProviderMessageId.ShouldBe(sent.ProviderMessageId);
        erased.Content.ShouldBe(new SentContent(SentContent.Erased, SentContent.Erased, SentContent.Erased, SentContent.Erased));
        (await CountAsync("SELECT count(*) FROM notification.message WHERE customer_id = @c AND (length(recipient_enc) > 0 OR length(body_enc) > 0 OR length(subject_enc) > 0)",
            ("c", customer.ToString()))).ShouldBe(0);
        (await log.ListAsync(new CommunicationQuery(other.ToString(), null, null, null, null, 0, 10), default)).Items.ShouldHaveSingleItem().Content.Address.ShouldBe(otherTo);
        (await new NotificationSubjectData(NpgsqlDataSource.Create(_db), log).EraseAsync(customer, "staff:test", default)).Done[0].ShouldStartWith("0 message(s)"); // idempotent
    }
}
