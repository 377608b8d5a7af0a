namespace Dashboard.ScaleOut;

/// <summary>Section <c>Redis</c>: set when several dashboard instances serve one fleet.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string (<c>redis:6379,password=…</c>); empty for one instance.</summary>
    public string? Configuration { get; set; }
}
