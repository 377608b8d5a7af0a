using Dashboard.Broker;
using Dashboard.Broker.Subscriptions;
using Dashboard.Broker.Tracking;
using Dashboard.Controls;
using Dashboard.Devices;
using Dashboard.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Components;

/// <summary>The controls feature as device cards and pages need it, over a broker that has no clients and has not started.</summary>
internal static class ControlsServices
{
    public static IServiceCollection AddControlsFor(this IServiceCollection services, LiveState live, LiveFeed feed)
    {
        services.AddSingleton<DiscoveredControls>();
        services.AddSingleton<ControlOverrides>();
        services.AddSingleton(s => new ControlCatalog(s.GetRequiredService<DiscoveredControls>(), live, BrokerSubscriptions.None,
            s.GetRequiredService<ControlOverrides>(), Options.Create(new DevicesOptions())));
        services.AddSingleton<IBrokerPublisher>(new BrokerServer(TimeProvider.System, new PublishTracker(TimeProvider.System, NullLogger<PublishTracker>.Instance)));
        services.AddSingleton(s => new CommandService(s.GetRequiredService<IBrokerPublisher>(), live, feed, Options.Create(new ControlsOptions()),
            TimeProvider.System, NullLogger<CommandService>.Instance));
        return services;
    }
}
