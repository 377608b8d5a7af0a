using Bunit;
using Dashboard.Common;
using Dashboard.Components;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Tests.Components;

public sealed class LiveComponentTests : BunitContext
{
    private readonly SubscriberList<int> _feed = new(NullLogger.Instance, "test feed");
    private int _value;
    private int _reads;

    private IRenderedComponent<LiveProbe> Open(Func<int>? read = null, Action<int>? each = null, Func<Action<int>, IDisposable>? subscribe = null,
        TimeSpan? poll = null) =>
        Render<LiveProbe>(p => p
            .Add(c => c.Feed, subscribe ?? _feed.Subscribe)
            .Add(c => c.Read, read ?? Read)
            .Add(c => c.Each, each)
            .Add(c => c.Poll, poll));

    private int Read()
    {
        Interlocked.Increment(ref _reads);
        return _value;
    }

    [Fact]
    public void Catches_up_with_a_change_made_before_it_subscribed()
    {
        var cut = Open(subscribe: onValue =>
        {
            _value = 7; // changed after the first read, before the subscription: no value is published for it
            return _feed.Subscribe(onValue);
        });

        cut.WaitForAssertion(() => Assert.Equal("7", cut.Markup));
    }

    [Fact]
    public async Task A_flood_of_updates_costs_a_few_refreshes_and_ends_with_the_latest()
    {
        var cut = Open();
        var before = _reads;

        for (var i = 1; i <= 100; i++)
        {
            _value = i;
            _feed.Publish(i);
        }

        cut.WaitForAssertion(() => Assert.Equal("100", cut.Markup), TimeSpan.FromSeconds(5));
        await cut.InvokeAsync(() => { }); // runs after any refresh the publishes queued on the dispatcher
        Assert.InRange(_reads - before, 1, 2);
    }

    [Fact]
    public async Task An_exception_while_refreshing_for_an_update_reaches_the_renderer()
    {
        var fail = false;
        Open(read: () => fail ? throw new InvalidOperationException("refresh failed") : 0);

        fail = true;
        _feed.Publish(1);

        var error = await Renderer.UnhandledException.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("refresh failed", error.Message);
    }

    [Fact]
    public async Task An_exception_while_handling_each_update_reaches_the_renderer()
    {
        Open(each: value => throw new InvalidOperationException($"could not handle {value}"));

        _feed.Publish(3);

        var error = await Renderer.UnhandledException.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("could not handle 3", error.Message);
    }

    [Fact]
    public async Task Stops_listening_when_it_is_removed()
    {
        var handled = 0;
        var cut = Open(each: _ => handled++);
        cut.WaitForAssertion(() => Assert.Equal(2, _feed.Count));

        await DisposeComponentsAsync();
        var reads = _reads;
        _feed.Publish(1);
        await Renderer.Dispatcher.InvokeAsync(() => { }); // runs after anything the publish queued on the dispatcher

        Assert.Equal(0, _feed.Count);
        Assert.Equal(reads, _reads);
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task While_the_browser_is_disconnected_it_neither_polls_nor_refreshes_and_catches_up_when_it_is_back()
    {
        var presence = new CircuitPresence();
        Services.AddSingleton(presence);
        var cut = Open(poll: TimeSpan.FromMilliseconds(20));
        cut.WaitForAssertion(() => Assert.True(_reads > 3, "it does not poll"));

        await presence.OnConnectionDownAsync(null!, CancellationToken.None);
        var reads = await Renderer.Dispatcher.InvokeAsync(() => _reads); // after any poll or refresh already running on the dispatcher
        _value = 5;
        _feed.Publish(5);
        await Task.Delay(400); // a window to see nothing in: 20 polls' worth, and past the refresh throttle
        Assert.Equal(reads, _reads);
        Assert.NotEqual("5", cut.Markup);

        await presence.OnConnectionUpAsync(null!, CancellationToken.None);
        cut.WaitForAssertion(() => Assert.Equal("5", cut.Markup));
    }

    /// <summary>Shows <see cref="Read"/>'s value, re-read whenever <see cref="Feed"/> publishes (and every <see cref="Poll"/>).</summary>
    private sealed class LiveProbe : LiveComponentBase
    {
        private int _shown;

        [Parameter, EditorRequired] public Func<Action<int>, IDisposable> Feed { get; set; } = null!;

        [Parameter, EditorRequired] public Func<int> Read { get; set; } = null!;

        [Parameter] public Action<int>? Each { get; set; }

        [Parameter] public TimeSpan? Poll { get; set; }

        protected override void OnInitialized() => _shown = Read();

        protected override void Subscribe()
        {
            Follow(Feed);
            if (Poll is { } poll)
            {
                Every(poll, () => _shown = Read());
            }

            if (Each is { } each)
            {
                HandleEach(Feed, each);
            }
        }

        protected override Task RefreshAsync()
        {
            _shown = Read();
            return Task.CompletedTask;
        }

        protected override void BuildRenderTree(RenderTreeBuilder builder) => builder.AddContent(0, _shown);
    }
}
