namespace Dashboard.Components.Layout;

/// <summary>
/// A page that administers the embedded broker (its clients, its retained messages): in External mode the router shows
/// <see cref="ExternalBrokerPage"/> in its place, since the external broker owns what it would show.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class BrokerAdministrationAttribute(string title) : Attribute
{
    public string Title { get; } = title;
}
