namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Idempotency keys of the CAS commands onboarding sends. Derived from the order and the box only, so
/// every retry, redelivery or restart of the same step sends the same key and the CAS applies it once.
/// </summary>
public static class OnboardingKeys
{
    public static string Activation(Guid orderId, Guid deviceId) => $"onboarding:{orderId:N}:activate:{deviceId:N}";

    public static string Deactivation(Guid orderId, Guid deviceId) => $"onboarding:{orderId:N}:deactivate:{deviceId:N}";
}
