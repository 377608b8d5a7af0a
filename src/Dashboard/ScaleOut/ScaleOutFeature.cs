using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Dashboard.ScaleOut;

public static class ScaleOutFeature
{
    /// <summary>Redis key of the data-protection key ring every instance shares.</summary>
    public const string KeyRingKey = "dashboard:data-protection-keys";

    /// <summary>
    /// With <c>Redis:Configuration</c>: the data-protection key ring kept in Redis (a sign-in cookie, a form token or a
    /// stored secret made by one instance reads on every other) and the election of the one instance that runs the
    /// periodic jobs. Without it: one instance, which is always elected. No SignalR backplane: each instance serves its
    /// own hub clients, and a backplane would hand them every other instance's broadcasts too (docs/architecture.md).
    /// </summary>
    public static IHostApplicationBuilder AddScaleOut(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        var configuration = builder.Configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.Configuration)}"];
        if (string.IsNullOrWhiteSpace(configuration))
        {
            services.AddSingleton(new InstanceElection(redis: null, TimeProvider.System, logger: null));
            return builder;
        }

        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false; // start, and keep trying, while Redis is away
        options.ClientName ??= "dashboard";
        var redis = ConnectionMultiplexer.Connect(options);
        services.AddSingleton<IConnectionMultiplexer>(redis);
        // PostConfigure: whatever the order of registration, Redis replaces the key folder Accounts sets up for one instance.
        services.PostConfigure<KeyManagementOptions>(keys => keys.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), KeyRingKey));
        services.AddSingleton(s => new InstanceElection(redis, s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILogger<InstanceElection>>()));
        services.AddHostedService(s => s.GetRequiredService<InstanceElection>());
        return builder;
    }
}
