namespace Dashboard.Storage;

/// <summary>The database engine behind <c>ConnectionStrings:Dashboard</c>.</summary>
public enum StorageProvider
{
    /// <summary>One file beside the app (the default): nothing else to run.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server, for several dashboard instances or more history than one disk file serves well.</summary>
    PostgreSQL,
}

/// <summary>Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;
}

/// <summary>The database the app was configured with: what the features that speak SQL themselves (history) open.</summary>
public sealed record DatabaseConnection(StorageProvider Provider, string ConnectionString);
