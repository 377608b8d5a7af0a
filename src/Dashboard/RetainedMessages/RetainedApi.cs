using System.Security.Claims;
using Dashboard.Accounts;
using Dashboard.Broker.External;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.RetainedMessages;

/// <summary><c>/api/retained</c> (admins): list, count and delete retained messages.</summary>
internal static class RetainedApi
{
    public sealed record DeletedDto(int Deleted);

    public sealed record CountDto(string Filter, int Count);

    public static IEndpointRouteBuilder MapRetainedApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/retained").WithTags("Retained").RequireAuthorization(DashboardPolicies.Admin)
            .RequireEmbeddedBroker();
        group.MapGet("/", ListAsync);
        group.MapGet("/count", CountAsync);
        group.MapDelete("/", DeleteAsync);
        return app;
    }

    /// <summary><c>?prefix=&amp;search=&amp;page=&amp;limit=</c>: by topic; page 1 first; limit 1–1000, 100 by default.</summary>
    private static async Task<Results<Ok<RetainedPage>, ValidationProblem>> ListAsync(string? prefix, string? search, int? page, int? limit, RetainedAdmin admin)
    {
        if (page is < 1)
        {
            return Invalid("page", "Pages are numbered from 1.");
        }

        if (limit is < 1 or > RetainedAdmin.MaxLimit)
        {
            return Invalid("limit", $"A page holds 1 to {RetainedAdmin.MaxLimit} messages.");
        }

        return TypedResults.Ok(await admin.PageAsync(prefix, search, page ?? 1, limit ?? RetainedAdmin.DefaultLimit));
    }

    /// <summary><c>?filter=home/%23</c>: how many a delete with that filter would delete.</summary>
    private static async Task<Results<Ok<CountDto>, ValidationProblem>> CountAsync(string? filter, RetainedAdmin admin) =>
        RetainedAdmin.FilterError(filter) is { } error ? Invalid("filter", error) : TypedResults.Ok(new CountDto(filter!, await admin.CountAsync(filter!)));

    /// <summary><c>?topic=</c> one topic, or <c>?filter=</c> a subtree (<c>home/%23</c>) or all (<c>%23</c>): answers how many were deleted.</summary>
    private static async Task<Results<Ok<DeletedDto>, ValidationProblem>> DeleteAsync(string? topic, string? filter, RetainedAdmin admin, ClaimsPrincipal user)
    {
        if (topic is null == filter is null)
        {
            return Invalid(topic is null ? "topic" : "filter", "Give either topic (one message) or filter (home/# for a subtree, # for all).");
        }

        if (topic is not null && !Broker.MqttTopic.IsValidTopicName(topic))
        {
            return Invalid("topic", $"'{topic}' is not a topic name (no wildcards; use filter for a subtree).");
        }

        var what = topic ?? filter!;
        if (RetainedAdmin.FilterError(what) is { } error)
        {
            return Invalid(topic is null ? "filter" : "topic", error);
        }

        return TypedResults.Ok(new DeletedDto(await admin.DeleteAsync(what, user.Identity?.Name)));
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid.");
}
