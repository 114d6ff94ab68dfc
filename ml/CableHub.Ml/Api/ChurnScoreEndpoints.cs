using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Errors;
using CableHub.Ml.Warehouse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Ml.Api;

/// <summary>
/// The customer-service read of churn scores: <c>GET /api/v1/churn/customers/{customerId}/score</c> answers the customer's
/// latest score from <c>marts.fact_churn_score</c> (probability, risk band, top reasons, model). Access: customer-service and
/// analyst staff (admin always) — never the subscriber, and no client scope. Scores support retention offers, not automated
/// decisions (GDPR Art. 22): the answer says so and always carries the reasons.
/// </summary>
public static class ChurnScoreEndpoints
{
    public const string BasePath = "/api/v1/churn";

    public const string Use = "Supports a retention offer or a care conversation; not an automated decision about the customer (GDPR Art. 22). Review the reasons.";

    /// <summary>The score reader over the warehouse at <paramref name="clickHouseConnectionString"/>.</summary>
    public static IServiceCollection AddChurnScores(this IServiceCollection services, string clickHouseConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clickHouseConnectionString);
        return services.AddSingleton(new ChurnScores(clickHouseConnectionString));
    }

    public static IEndpointRouteBuilder MapChurnScoreEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapModuleGroup(BasePath, "Churn scores").RequireStaff(StaffRoles.CustomerService, StaffRoles.Analyst);
        group.MapGet("/customers/{customerId:guid}/score", async (Guid customerId, ChurnScores scores, CancellationToken ct) =>
        {
            var score = await scores.LatestAsync(customerId, ct).ConfigureAwait(false)
                ?? throw new NotFoundException($"churn score of customer '{customerId}'", "customerId", "CHURN-SCORE-NOT-FOUND");
            return TypedResults.Ok(new ChurnScoreView(score.CustomerId, score.CustomerNumber, score.ScoreDate, score.ScoredAt, score.Cutoff, score.HorizonDays,
                score.Probability, score.RiskBand, score.Reasons, new ChurnModelRef(score.Model, score.ModelVersion), Use));
        });
        return app;
    }
}

/// <summary>The model that produced a score.</summary>
public sealed record ChurnModelRef(string Name, int Version);

/// <summary>What the customer-service screen shows.</summary>
public sealed record ChurnScoreView(
    Guid CustomerId, string CustomerNumber, DateOnly ScoreDate, DateTimeOffset ScoredAt, DateTimeOffset Cutoff, int HorizonDays,
    double Probability, string RiskBand, IReadOnlyList<ChurnReason> Reasons, ChurnModelRef Model, string Use);
