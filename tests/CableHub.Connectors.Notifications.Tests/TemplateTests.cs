using CableHub.Connectors.Notifications.Templates;
using CableHub.Core;
using CableHub.Core.Ports;

namespace CableHub.Connectors.Notifications.Tests;

public sealed class TemplateTests
{
    private readonly TemplateRenderer _renderer = new("en");

    [Fact]
    public async Task Hindi_welcome_has_hindi_text_rupees_and_local_dates()
    {
        var data = new Dictionary<string, object?>(Messages.WelcomeData)
        {
            ["start_date"] = new DateTimeOffset(2026, 2, 28, 20, 0, 0, TimeSpan.Zero), // 1 March 01:30 in India
        };

        var mail = await _renderer.RenderAsync("welcome", "hi-IN", NotificationChannel.Email, data, "Asia/Kolkata");

        mail.Language.ShouldBe("hi");
        mail.Subject.ShouldBe("केबलहब में आपका स्वागत है, Asha Verma");
        mail.Text.ShouldContain("₹499.00");
        mail.Text.ShouldContain("01 मार्च 2026");
        mail.Text.ShouldContain("C-000123");
    }

    [Fact]
    public async Task Unknown_languages_fall_back_to_the_default_and_unknown_templates_are_refused()
    {
        var sms = await _renderer.RenderAsync("welcome", "fr", NotificationChannel.Sms, Messages.WelcomeData, "Asia/Kolkata");
        sms.Language.ShouldBe("en");
        sms.Text.ShouldBe("Welcome to CableHub, Asha Verma! Plan Family M is active from 01 Mar 2026. Customer no. C-000123.");

        await Should.ThrowAsync<TemplateNotFoundException>(() => _renderer.RenderAsync("no-such-template", "en", NotificationChannel.Email, Messages.WelcomeData, "UTC"));
    }

    public static TheoryData<string, string> Every() => new()
    {
        { "welcome", "en" }, { "welcome", "hi" }, { "plan-changed", "en" }, { "plan-changed", "hi" },
        { "suspension-warning", "en" }, { "suspension-warning", "hi" }, { "payment-reminder", "en" }, { "payment-reminder", "hi" },
        { "service-suspended", "en" }, { "service-suspended", "hi" }, { "service-restored", "en" }, { "service-restored", "hi" }, { "disconnect-notice", "en" }, { "disconnect-notice", "hi" },
        { "identity-activation", "en" }, { "identity-activation", "hi" }, { "identity-password-reset", "en" }, { "identity-password-reset", "hi" },
    };

    [Theory]
    [MemberData(nameof(Every))]
    public async Task Every_template_renders_in_every_language_for_both_channels(string template, string language)
    {
        var day = new DateTimeOffset(2026, 4, 10, 6, 0, 0, TimeSpan.Zero);
        var data = new Dictionary<string, object?>
        {
            ["customer_name"] = "Ravi", ["plan_name"] = "Basic", ["old_plan_name"] = "Basic", ["new_plan_name"] = "Family M",
            ["start_date"] = day, ["effective_date"] = day, ["due_date"] = day, ["suspension_date"] = day, ["restored_at"] = day, ["suspended_at"] = day, ["disconnect_date"] = day,
            ["monthly_price"] = new Money(299m, "INR"), ["amount_due"] = new Money(1234.5m, "INR"), ["proration"] = new Money(-45.17m, "INR"),
            ["invoice_number"] = "INV-9", ["customer_number"] = "C-9", ["equipment_count"] = 2,
            ["login"] = "Ravi", ["code"] = "4Qm7-reset-code", ["expires_at"] = day,
        };

        TemplateRenderer.TemplateIds.ShouldContain(template);
        var mail = await _renderer.RenderAsync(template, language, NotificationChannel.Email, data, "Asia/Kolkata");
        var sms = await _renderer.RenderAsync(template, language, NotificationChannel.Sms, data, "Asia/Kolkata");

        mail.Language.ShouldBe(language);
        mail.Subject.ShouldNotBeNullOrWhiteSpace();
        foreach (var text in new[] { mail.Subject!, mail.Text, sms.Text })
        {
            text.ShouldNotContain("{{");
            text.ShouldNotContain("{%");
        }

        mail.Text.ShouldContain("Ravi");
        sms.Text.Length.ShouldBeLessThanOrEqualTo(320);
        if (template.StartsWith("identity-", StringComparison.Ordinal))
        {
            mail.Text.ShouldContain("4Qm7-reset-code");
            sms.Text.ShouldContain("4Qm7-reset-code");
            mail.Text.ShouldContain("10 "); // the expiry, in the recipient's zone (11:30 on 10 April in India)
            sms.Text.ShouldContain("11:30");
        }
    }
}
