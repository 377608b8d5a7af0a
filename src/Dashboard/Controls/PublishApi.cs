using Dashboard.Accounts;
using Dashboard.Broker;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Controls;

/// <summary><c>POST /api/publish</c> (admins): the publish panel for scripts, with its checks.</summary>
internal static class PublishApi
{
    public sealed record PublishInput(string? Topic, string? Payload, int? Qos, bool? Retain);

    public sealed record PublishedDto(string Topic, int PayloadBytes, int Qos, bool Retain, string By);

    public static IEndpointRouteBuilder MapPublishApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/publish", PublishAsync).RequireAuthorization(DashboardPolicies.Admin).WithTags("Controls");
        return app;
    }

    private static async Task<Results<Ok<PublishedDto>, ValidationProblem, ProblemHttpResult>> PublishAsync(
        PublishInput input, IBrokerPublisher broker, IOptions<BrokerOptions> limits, HttpContext http)
    {
        var errors = new Dictionary<string, string[]>();
        if (PublishChecks.Topic(input.Topic, limits.Value) is { } topicError)
        {
            errors["topic"] = [topicError];
        }

        if (PublishChecks.Qos(input.Qos) is { } qosError)
        {
            errors["qos"] = [qosError];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The message cannot be published.");
        }

        if (!broker.IsRunning)
        {
            return TypedResults.Problem("The broker is not running.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var payload = System.Text.Encoding.UTF8.GetBytes(input.Payload ?? "");
        var by = PublishChecks.Publisher(http.User);
        try
        {
            await broker.PublishAsync(new MqttApplicationMessage
            {
                Topic = input.Topic!,
                PayloadSegment = payload,
                QualityOfServiceLevel = (MqttQualityOfServiceLevel)(input.Qos ?? 0),
                Retain = input.Retain == true,
            }, by);
        }
        catch (InvalidOperationException ex)
        {
            // In External mode the broker may refuse it (its ACL: PUBACK 0x87) or the connection may have just dropped.
            return TypedResults.Problem(ex.Message, statusCode: broker.IsRunning ? StatusCodes.Status502BadGateway : StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Ok(new PublishedDto(input.Topic!, payload.Length, input.Qos ?? 0, input.Retain == true, by));
    }
}
