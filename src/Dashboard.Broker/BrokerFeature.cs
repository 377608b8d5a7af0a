using Dashboard.Broker.Admin;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Delivery;
using Dashboard.Broker.Events;
using Dashboard.Broker.External;
using Dashboard.Broker.Metrics;
using Dashboard.Broker.Persistence;
using Dashboard.Broker.Retained;
using Dashboard.Broker.Sessions;
using Dashboard.Broker.Shared;
using Dashboard.Broker.Status;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Tls;
using Dashboard.Broker.Tracking;
using Dashboard.Broker.Transport;
using Dashboard.Broker.Transport.Sockets;
using Dashboard.Broker.Wills;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Server.Kestrel;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;

namespace Dashboard.Broker;

public static class BrokerFeature
{
    private const string WebSocketPath = "/mqtt";

    /// <summary>
    /// With <c>Broker:Mode=External</c>, a client of an existing broker instead (<see cref="ExternalBrokerFeature"/>).
    /// Otherwise the MQTT broker on Kestrel's named endpoints: <c>Mqtt</c> (TCP) and <c>MqttWebSockets</c> (path /mqtt), and with a
    /// certificate their TLS twins <c>MqttTls</c> and <c>MqttWebSocketsTls</c>, all taken from <c>Kestrel:Endpoints</c>
    /// so every port moves with configuration.
    /// </summary>
    /// <remarks>
    /// The host owns the database: <typeparamref name="TContext"/> must include <see cref="BrokerModel.AddBrokerEntities"/>
    /// in its model and be migrated before the broker starts. <see cref="BrokerEventChannelOptions.Capacity"/> must be set.
    /// </remarks>
    public static IHostApplicationBuilder AddBroker<TContext>(this IHostApplicationBuilder builder)
        where TContext : DbContext
    {
        var services = builder.Services;
        services.AddKeyedScoped<DbContext>(BrokerDatabase.Key, (s, _) => s.GetRequiredService<TContext>());
        services.AddOptions<BrokerEventChannelOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BrokerEventChannel>();
        services.AddSingleton<BrokerListeners>();
        services.AddOptions<BrokerOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            // The binder appends to a list it finds filled: a configured Topics list replaces the default instead.
            var section = configuration.GetSection(BrokerOptions.Section);
            if (section.GetSection("External:Topics").Exists())
            {
                options.External.Topics = [];
            }

            section.Bind(options);
        }).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<BrokerOptions>, ExternalBrokerOptionsValidator>();
        services.AddMetrics();
        services.AddSingleton<BrokerMetrics>();
        services.AddSingleton<BrokerServer>();
        services.AddSingleton<RetainedStore>();
        services.AddSingleton<WriteAhead>();
        services.AddSingleton<BrokerUserStore>();
        services.AddSingleton<CredentialCheck>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<ClientIdentities>();
        services.AddSingleton<BrokerAuthorizer>();
        services.AddSingleton<PublishRules>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConnectHook>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<ConnectionLimit>();
        services.AddSingleton<PersistentSessions>();
        services.AddSingleton<SharedSubscriptions>();
        services.AddSingleton<WillService>();
        services.AddSingleton<ClientPacketSizeLimits>();
        services.AddOptions<BrokerAuditFeedOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BrokerAuditFeed>();
        services.AddSingleton(s => new BrokerClients(s.GetRequiredService<ConnectionRegistry>(), s.GetRequiredService<PersistentSessions>(), s.GetRequiredService<BrokerServer>()));
        services.AddSingleton<BrokerBans>();
        services.AddSingleton(s => new BrokerRetained(s.GetRequiredService<BrokerServer>(), s.GetRequiredService<RetainedStore>()));
        services.AddSingleton<PublishTracker>();
        services.AddSingleton<ClientQueues>();
        services.AddSingleton<SubscriptionIndex>();
        services.AddSingleton<Redelivery>();
        services.AddSingleton<MqttWebSocketEndpoint>();
        services.AddSingleton<BrokerStatusFeed>();

        // The admin services above stay registered in External mode, idle (no broker of ours runs), so the pages and APIs
        // that take them still resolve and can say that the external broker owns what they would show.
        if (builder.Configuration.GetValue(BrokerOptions.Section + ":Mode", BrokerMode.Embedded) == BrokerMode.External)
        {
            services.AddExternalBroker();
            return builder;
        }

        services.AddSingleton<IBrokerPublisher>(s => s.GetRequiredService<BrokerServer>());
        services.AddSingleton(s => new BrokerSubscriptions(s.GetRequiredService<ConnectionRegistry>(), s.GetRequiredService<PersistentSessions>()));

        // Packet hooks, in the order they see received packets (sent packets go the other way round). Redelivery first, so
        // it is the last to see a PUBLISH leave: every other hook sees it as MQTTnet queued it. The client queues next: at
        // close they hand what they held to a session that stays before anything tells that the client left (a client
        // that reconnects at once finds it there). Then topic aliases: every other hook sees a PUBLISH's whole topic.
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<Redelivery>());
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<ClientQueues>());
        services.AddSingleton<IMqttPacketHook, TopicAliases>();
        services.AddSingleton<IMqttPacketHook, ReceiveQuota>();
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<ConnectHook>());
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<ConnectionRegistry>());
        services.AddSingleton<IMqttPacketHook, ClientSubscriptions>(); // before shared subscriptions: sees whole SUBSCRIBEs and SUBACKs
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<PersistentSessions>());
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<SharedSubscriptions>());
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<WillService>());
        services.AddSingleton<IMqttPacketHook, BrokerUserHook>();
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<ClientPacketSizeLimits>());
        services.AddSingleton<IMqttPacketHook, SubscriptionHook>(); // after SharedSubscriptions: it sees only MQTTnet's own filters
        services.AddSingleton<IMqttPacketHook, SubAckOrder>(); // the SUBSCRIBE as MQTTnet gets it, its SUBACK as MQTTnet wrote it
        services.AddSingleton<IMqttPacketHook>(s => s.GetRequiredService<PublishTracker>()); // last: first to see a PUBLISH going out
        services.AddSingleton<MqttTransportHandler>();
        services.AddSingleton<PendingConnections>();

        // Hosted services start in this order and stop in reverse: the writer's last flush comes after the broker stops.
        services.AddHostedService<BrokerStatePersister>();
        services.AddHostedService<BrokerHost>();
        services.AddHostedService<BrokerStatusSampler>();

        // After Kestrel's own: Kestrel asks the last registered transport first (see MqttSocketTransport).
        services.AddSingleton<MqttSocketTransport>();
        services.AddSingleton<IConnectionListenerFactory>(s => s.GetRequiredService<MqttSocketTransport>());
        services.AddOptions<KestrelServerOptions>().Configure<IConfiguration, IHostEnvironment>((kestrel, configuration, environment) =>
        {
            var section = configuration.GetSection("Kestrel");
            var closed = TlsEndpoints.Closed(section);
            if (closed.Count > 0)
            {
                kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TlsEndpoints)).LogInformation(
                    "TLS listeners {Endpoints} are off: no certificate configured (Kestrel:Certificates:Default:Path and KeyPath)", string.Join(", ", closed));
            }

            TlsCertificateCheck.Check(section, environment.ContentRootPath);
            var clientAuthority = ClientCertificates.Authority(configuration, environment.ContentRootPath);
            var webSockets = kestrel.ApplicationServices.GetRequiredService<MqttWebSocketEndpoint>();
            var sockets = kestrel.ApplicationServices.GetRequiredService<MqttSocketTransport>();
            kestrel.Configure(TlsEndpoints.Without(section, closed))
                .Endpoint("Mqtt", endpoint => UseMqtt(endpoint, sockets))
                .Endpoint(TlsEndpoints.MqttTls, endpoint =>
                {
                    RequireClientCertificate(endpoint, clientAuthority);
                    UseMqtt(endpoint, sockets);
                })
                .Endpoint("MqttWebSockets", endpoint => webSockets.Add(endpoint.ListenOptions))
                .Endpoint(TlsEndpoints.MqttWebSocketsTls, endpoint =>
                {
                    RequireClientCertificate(endpoint, clientAuthority);
                    webSockets.Add(endpoint.ListenOptions);
                });
        });
        services.AddConnections();
        return builder;
    }

    private static void RequireClientCertificate(EndpointConfiguration endpoint, System.Security.Cryptography.X509Certificates.X509Certificate2? authority)
    {
        if (authority is not null && endpoint.IsHttps)
        {
            ClientCertificates.Require(endpoint.HttpsOptions, authority);
        }
    }

    /// <summary>Raw MQTT on a TCP endpoint, inside TLS when its URL is https://.</summary>
    private static void UseMqtt(EndpointConfiguration endpoint, MqttSocketTransport sockets)
    {
        sockets.Serve(endpoint.ListenOptions.EndPoint);
        // TLS must wrap the connection before the MQTT handler takes it (MQTTnet #1185, #464): Kestrel would otherwise
        // add it after the handler, where it never runs.
        if (endpoint.IsHttps)
        {
            // Kestrel offers only h2 and http/1.1 by ALPN and refuses a client that asks for "mqtt"; MQTT needs none.
            endpoint.HttpsOptions.OnAuthenticate = (_, ssl) => ssl.ApplicationProtocols = null;
            endpoint.ListenOptions.UseHttps(endpoint.HttpsOptions);
        }

        endpoint.ListenOptions.UseConnectionHandler<MqttTransportHandler>();
    }

    /// <summary>The MqttWebSockets (and MqttWebSocketsTls) endpoints answer /mqtt and nothing else; no other endpoint answers /mqtt.</summary>
    public static IApplicationBuilder UseMqttWebSocketPorts(this IApplicationBuilder app)
    {
        var endpoint = app.ApplicationServices.GetRequiredService<MqttWebSocketEndpoint>();
        return app.Use((context, next) =>
        {
            var onWebSocketPort = endpoint.Serves(context.Connection.LocalPort);
            if (onWebSocketPort != context.Request.Path.StartsWithSegments(WebSocketPath))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }

    /// <summary>MQTT over WebSockets at /mqtt (see <see cref="UseMqttWebSocketPorts"/> for the ports that answer it).</summary>
    public static IEndpointRouteBuilder MapBroker(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<BrokerOptions>>().Value;
        if (options.Mode == BrokerMode.External)
        {
            return app;
        }

        var maxPacketSize = options.MaxPacketSize;
        app.MapConnectionHandler<MqttTransportHandler>(WebSocketPath, options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.WebSockets.SubProtocolSelector = MqttSubProtocolSelector.SelectSubProtocol;
            // A whole packet must fit in the pipes, or a large one would stall the connection.
            options.TransportMaxBufferSize = options.ApplicationMaxBufferSize = maxPacketSize + 65536L;
        }).AllowAnonymous(); // MQTT's own CONNECT (username, password, ACLs) decides who may use the broker.
        return app;
    }

    /// <summary>The MqttWebSockets (and MqttWebSocketsTls) endpoints as Kestrel bound them (a port may have been 0 in configuration).</summary>
    internal sealed class MqttWebSocketEndpoint
    {
        private volatile ListenOptions[] _listens = [];

        public void Add(ListenOptions listen) => _listens = [.. _listens, listen];

        public bool Serves(int localPort)
        {
            foreach (var listen in _listens)
            {
                if (listen.IPEndPoint?.Port == localPort)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
