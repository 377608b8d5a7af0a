namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>One Dashboard for all tests of a class; tests keep out of each other's way with their own topics.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    public DashboardApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await DashboardApp.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}
