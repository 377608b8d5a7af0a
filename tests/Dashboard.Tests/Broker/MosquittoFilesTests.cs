using Dashboard.Broker.Auth;

namespace Dashboard.Tests.Broker;

/// <summary>
/// Mosquitto's password and ACL files as Mosquitto 2.0 reads them. The hashes below were made by Python's hashlib (not by
/// this code), in the formats of Mosquitto's source: salt 01…0C, password "old 1.x password".
/// </summary>
public sealed class MosquittoFilesTests
{
    private const string Sha512 = "$6$AQIDBAUGBwgJCgsM$gqglbLIu8/WU3BRWfa1DJvCovn8eLXWtEeic1jD5lhL+Hld3JOaANZ9kuB81SLP3hAdKmzMaFgbwOb8xaSmAnA==";
    private const string Pbkdf2 = "$7$101$AQIDBAUGBwgJCgsM$o9zkUtiinOBr+L9IPOZX9GaSeAZfX0JZObdkKqLZx3kg+4pKCUHTMKS92DU5hLE3U4V8qKo4xwfQs6Hbe8texg==";

    [Theory]
    [InlineData(Sha512)]
    [InlineData(Pbkdf2)]
    public void Both_of_mosquittos_hashes_take_the_right_password_only(string hash)
    {
        Assert.True(MosquittoFiles.Verify(hash, "old 1.x password"));
        Assert.False(MosquittoFiles.Verify(hash, "old 1.x passwore"));
        Assert.False(MosquittoFiles.Verify(hash, ""));
    }

    [Theory]
    [InlineData("plain text")]
    [InlineData("$7$0$AQIDBAUGBwgJCgsM$o9zk")] // no iterations
    [InlineData("$7$101$AQIDBAUG$o9zkUtiinOBr+L9IPOZX9GaSeAZfX0JZObdkKqLZx3kg+4pKCUHTMKS92DU5hLE3U4V8qKo4xwfQs6Hbe8texg==")] // salt of 6 bytes
    [InlineData("$7$101$AQIDBAUGBwgJCgsM$not base64!")]
    [InlineData("$5$AQIDBAUGBwgJCgsM$gqglbLIu8/WU3BRWfa1DJvCovn8eLXWtEeic1jD5lhL+Hld3JOaANZ9kuB81SLP3hAdKmzMaFgbwOb8xaSmAnA==")]
    public void A_hash_mosquitto_would_not_accept_accepts_no_password_and_its_line_says_why(string hash)
    {
        Assert.False(MosquittoFiles.Verify(hash, "old 1.x password"));
        var line = Assert.Single(MosquittoFiles.ReadPasswords($"sensor:{hash}\n"));
        Assert.Null(line.Hash);
        Assert.StartsWith("line 1 (sensor): ", line.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_file_keeps_each_users_hash_as_written_and_skips_comments_and_blank_lines()
    {
        var lines = MosquittoFiles.ReadPasswords($"# made by mosquitto_passwd\n\nsensor-7:{Pbkdf2}\r\nold:{Sha512}  \nbroken line\n");

        Assert.Equal([("sensor-7", Pbkdf2), ("old", Sha512)], lines.Where(l => l.Hash is not null).Select(l => (l.Name, l.Hash!)));
        Assert.Equal(["line 5: not \"user:hash\""], lines.Where(l => l.Problem is not null).Select(l => l.Problem));
    }

    [Fact]
    public void The_acl_file_gives_each_user_its_lines_the_anonymous_clients_those_before_any_user_and_everyone_the_patterns()
    {
        var acl = MosquittoFiles.ReadAcl("""
            # comment
            topic read weather/#
            topic public/#
            user sensor 7
            topic write devices/sensor 7/#
            topic deny devices/sensor 7/secrets/#
            pattern read cmd/%c/#
            user ops
            topic maybe x/#
            subscribe x
            """);

        Assert.Equal([new AclEntryInput("weather/#", "read"), new AclEntryInput("public/#", "readwrite")], acl.Anonymous);
        Assert.Equal([new AclEntryInput("devices/sensor 7/#", "write"), new AclEntryInput("devices/sensor 7/secrets/#", "deny")], acl.Users["sensor 7"]);
        Assert.Empty(acl.Users["ops"]);
        Assert.Equal([new AclEntryInput("cmd/%c/#", "read")], acl.Patterns);
        Assert.Equal(["line 9: unknown access \"maybe\" (read, write, readwrite or deny)", "line 10: not a topic, pattern or user line"], acl.Problems);
    }
}
