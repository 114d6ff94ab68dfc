using CableHub.Core;
using CableHub.Core.Ports;
using CableHub.Testing;

namespace CableHub.Connectors.Notifications.Tests;

/// <summary>One PostgreSQL cluster and one MailDev for the notification tests.</summary>
[CollectionDefinition(Name)]
public sealed class NotificationCollection : ICollectionFixture<PostgresFixture>, ICollectionFixture<MaildevFixture>
{
    public const string Name = "notifications";
}

/// <summary>A clock the test sets.</summary>
internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

internal static class Messages
{
    public static readonly Dictionary<string, object?> WelcomeData = new()
    {
        ["customer_name"] = "Asha Verma",
        ["plan_name"] = "Family M",
        ["start_date"] = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero),
        ["monthly_price"] = new Money(499m, "INR"),
        ["customer_number"] = "C-000123",
    };

    public static NotificationRequest Welcome(string key, NotificationChannel channel, string language, string email = "asha@example.in",
        string phone = "+919812345678", ContactPolicy? policy = null) =>
        new(key, channel, "welcome", language, new NotificationRecipient("CUST-1", "Asha Verma", email, phone, "Asia/Kolkata"),
            WelcomeData, policy ?? ContactPolicy.AllowAll);
}
