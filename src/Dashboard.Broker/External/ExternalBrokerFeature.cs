using Dashboard.Broker.Status;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.External;

/// <summary>
/// External mode's registrations: the client connection, <see cref="IBrokerPublisher"/> through it, the status feed, and
/// Kestrel without the MQTT endpoints (no broker here: those ports stay closed rather than serve the dashboard).
/// </summary>
public static class ExternalBrokerFeature
{
    /// <summary>Kestrel endpoints that only the embedded broker serves.</summary>
    internal static readonly string[] MqttEndpoints = [BrokerListeners.Mqtt, BrokerListeners.MqttWebSockets, BrokerListeners.MqttTls, BrokerListeners.MqttWebSocketsTls];

    internal static IServiceCollection AddExternalBroker(this IServiceCollection services)
    {
        services.AddSingleton<ExternalBrokerClient>();
        services.AddHostedService(s => s.GetRequiredService<ExternalBrokerClient>());
        services.AddSingleton<IBrokerPublisher, ExternalBrokerPublisher>();
        services.AddSingleton(BrokerSubscriptions.None); // the external broker does not tell its clients' subscriptions
        services.AddHostedService<ExternalStatusSampler>();
        services.AddOptions<KestrelServerOptions>().Configure<IConfiguration>((kestrel, configuration) =>
        {
            var section = configuration.GetSection("Kestrel");
            kestrel.Configure(TlsEndpoints.Without(section, [.. TlsEndpoints.Closed(section), .. MqttEndpoints]));
        });
        return services;
    }

    /// <summary>
    /// For the APIs of what the embedded broker owns (its clients, retained messages, users and ACLs): in External mode
    /// they answer 409 with a problem naming the broker that owns them.
    /// </summary>
    public static TBuilder RequireEmbeddedBroker<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) =>
        {
            var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<BrokerOptions>>().Value;
            return options.Mode == BrokerMode.External
                ? Results.Problem(
                    title: "Managed by the external broker",
                    detail: $"The dashboard is a client of the external broker {options.External.Address} (Broker:Mode is External): " +
                        "its clients, sessions, retained messages, users and ACLs are administered there.",
                    statusCode: StatusCodes.Status409Conflict)
                : await next(context);
        });
        return builder;
    }
}
