using Dashboard.Accounts;
using Dashboard.Devices.Mapping;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.DeviceMapping;

/// <summary>A mapping rule as the API writes it.</summary>
public sealed record MappingRuleDto(string Pattern);

/// <summary>The rules in the order they are asked: <see cref="Configured"/> (read-only here) first, then <see cref="Rules"/>.</summary>
public sealed record MappingRulesDto(IReadOnlyList<MappingRuleDto> Configured, IReadOnlyList<MappingRuleDto> Rules);

/// <summary>A PUT's body: the Settings rules, in order, replacing all of them.</summary>
public sealed record MappingRulesInput(IReadOnlyList<MappingRuleDto?>? Rules);

/// <summary><c>GET/PUT /api/device-mapping-rules</c> (docs/architecture.md); writes need the Admin role.</summary>
internal static class DeviceMappingApi
{
    public static IEndpointRouteBuilder MapDeviceMappingApi(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/api/device-mapping-rules").WithTags("Devices");
        rules.MapGet("/", (DeviceMappingService service) => TypedResults.Ok(Dto(service)));
        rules.MapPut("/", ReplaceAsync).RequireAuthorization(DashboardPolicies.Admin);
        return app;
    }

    private static async Task<Results<Ok<MappingRulesDto>, ValidationProblem>> ReplaceAsync(
        MappingRulesInput? input, DeviceMappingService service, CancellationToken cancellationToken)
    {
        if (input?.Rules is not { } rules)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["rules"] = ["A list of rules is needed: {\"rules\": [{\"pattern\": \"plant/{device}/sensors/{metric}\"}]}."] },
                title: "The mapping rules are not valid.");
        }

        var result = await service.ReplaceAsync([.. rules.Select(r => r?.Pattern)], cancellationToken);
        return result.Rules is null
            ? TypedResults.ValidationProblem(result.Errors, title: "The mapping rules are not valid.")
            : TypedResults.Ok(Dto(service));
    }

    private static MappingRulesDto Dto(DeviceMappingService service) =>
        new([.. service.Configured.Select(Dto)], [.. service.Stored.Select(Dto)]);

    private static MappingRuleDto Dto(TopicPattern pattern) => new(pattern.Text);
}
