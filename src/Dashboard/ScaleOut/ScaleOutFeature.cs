using Dashboard.Broker;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Dashboard.ScaleOut;

public static class ScaleOutFeature
{
    /// <summary>Redis key of the data-protection key ring every instance shares.</summary>
    public const string KeyRingKey = "dashboard:data-protection-keys";

    /// <summary>
    /// With <c>Redis:Configuration</c>: the data-protection key ring kept in Redis (a sign-in cookie, a form token or a
    /// stored secret made by one instance reads on every other), the election of the one instance that runs the
    /// periodic jobs and judges alerts, and messages between instances (<see cref="InstanceMessages"/>). With an external
    /// broker, every instance's live view also gets every message (<c>Broker:External:LiveView</c>). Without it: one
    /// instance, which is always elected. No SignalR backplane: each instance has every message for its own hub clients,
    /// and a backplane would hand them every other instance's broadcasts too (docs/architecture.md).
    /// </summary>
    /// <summary>One instance alone: always elected, nobody to tell.</summary>
    public static IServiceCollection AddSingleInstance(this IServiceCollection services) => services
        .AddSingleton(new InstanceElection(redis: null, TimeProvider.System, logger: null))
        .AddSingleton(s => new InstanceMessages(redis: null, TimeProvider.System, s.GetRequiredService<ILogger<InstanceMessages>>()));

    public static IHostApplicationBuilder AddScaleOut(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        var configuration = builder.Configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.Configuration)}"];
        if (string.IsNullOrWhiteSpace(configuration))
        {
            services.AddSingleInstance();
            return builder;
        }

        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false; // start, and keep trying, while Redis is away
        options.ClientName ??= "dashboard";
        var redis = ConnectionMultiplexer.Connect(options);
        services.PostConfigure<BrokerOptions>(broker => broker.External.LiveView ??= true);
        services.AddSingleton<IConnectionMultiplexer>(redis);
        // PostConfigure: whatever the order of registration, Redis replaces the key folder Accounts sets up for one instance.
        services.PostConfigure<KeyManagementOptions>(keys => keys.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), KeyRingKey));
        services.AddSingleton(s => new InstanceElection(redis, s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILogger<InstanceElection>>()));
        services.AddHostedService(s => new EmbeddedBrokerWarning(s.GetRequiredService<IOptions<BrokerOptions>>(), s.GetRequiredService<ILogger<InstanceElection>>()));
        services.AddHostedService(s => s.GetRequiredService<InstanceElection>());
        services.AddSingleton(s => new InstanceMessages(redis, s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILogger<InstanceMessages>>()));
        return builder;
    }
}

/// <summary>
/// Several instances, each with its own embedded broker, see each other's devices in no way: every page shows only its
/// own broker's, and only the elected instance judges alerts, from its own broker. Said once at start; the supported
/// way is one external broker for all (<c>Broker:Mode=External</c>).
/// </summary>
internal sealed class EmbeddedBrokerWarning(IOptions<BrokerOptions> broker, ILogger logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (broker.Value.Mode != Dashboard.Broker.External.BrokerMode.External)
        {
            logger.LogWarning("Redis:Configuration is set (several instances) but Broker:Mode is Embedded: each instance shows only the devices of its own broker, and alerts are judged by the elected instance only, from its own broker's messages. Run several instances with one external broker (Broker:Mode=External; README, \"Run it as a cluster\")");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
