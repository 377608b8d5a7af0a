namespace Dashboard.Tests.Deployment;

/// <summary>The repository root (the folder of Dashboard.sln), found from the test binaries.</summary>
internal static class RepoFiles
{
    public static readonly string Root = FindRoot();

    public static string Path(string name) => System.IO.Path.Combine(Root, name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Dashboard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Dashboard.sln not found");
    }
}
