using Microsoft.EntityFrameworkCore;

namespace Dashboard.Broker.Persistence;

/// <summary>
/// The host's <see cref="DbContext"/> as the broker reaches it: the host owns the context and its migrations, and
/// adds the broker's tables with <see cref="BrokerModel.AddBrokerEntities"/>.
/// </summary>
internal static class BrokerDatabase
{
    public const string Key = "Dashboard.Broker";

    public static DbContext Get(IServiceProvider services) => services.GetRequiredKeyedService<DbContext>(Key);
}

/// <summary>The broker's tables (retained messages, persistent sessions, broker users and ACLs) in the host's model.</summary>
public static class BrokerModel
{
    public static ModelBuilder AddBrokerEntities(this ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BrokerModel).Assembly);
}
