using Dashboard.Live;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Devices;

/// <summary>
/// Base for pages that show live devices: follows the live feed for the changes that concern them, and ticks every
/// 5 s so "last seen" stays true.
/// </summary>
public abstract class LiveDevicesComponent : LiveComponentBase
{
    [Inject] protected LiveState Live { get; set; } = null!;

    [Inject] private LiveFeed Feed { get; set; } = null!;

    [Inject] private TimeProvider Clock { get; set; } = null!;

    protected DateTimeOffset Now { get; private set; }

    /// <summary>Re-reads live state into the component's fields.</summary>
    protected abstract void Refresh();

    /// <summary>Whether a batch of changes concerns this component.</summary>
    protected virtual bool Concerns(LiveChange change) => change is ReadingChanged or PresenceChanged;

    protected override void OnInitialized()
    {
        Now = Clock.GetUtcNow();
        Refresh();
    }

    protected override void Subscribe()
    {
        Follow<LiveBatch>(Feed.Subscribe, batch => batch.Overflowed || batch.Changes.Any(Concerns));
        Every(TimeSpan.FromSeconds(5), () => Now = Clock.GetUtcNow());
    }

    protected override Task RefreshAsync()
    {
        Refresh();
        return Task.CompletedTask;
    }
}
