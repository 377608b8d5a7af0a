using System.Security.Cryptography;
using System.Text;

namespace Dashboard.Broker.Auth;

/// <summary>
/// Mosquitto's <c>password_file</c> and <c>acl_file</c>, read as Mosquitto 2.0 reads them, so its users move here with
/// the passwords their devices already use. A password hash stays as <c>mosquitto_passwd</c> wrote it (only the password
/// could make a new one) and <see cref="Verify"/> checks it as Mosquitto does: <c>$7$iterations$salt$hash</c> is
/// PBKDF2-HMAC-SHA512, <c>$6$salt$hash</c> (Mosquitto 1.x) SHA-512 of the password and salt; salts of 12 bytes, hashes of 64.
/// </summary>
internal static class MosquittoFiles
{
    private const int SaltLength = 12, HashLength = 64;

    /// <summary>A user line of the password file: its name and hash, or why it cannot be taken.</summary>
    public sealed record PasswordLine(int Number, string Name, string? Hash, string? Problem);

    /// <summary>The ACL file: per user, the lines after its <c>user</c> line; the anonymous clients' (before any <c>user</c>); the <c>pattern</c> lines, for everyone.</summary>
    public sealed record AclFile(Dictionary<string, List<AclEntryInput>> Users, List<AclEntryInput> Anonymous, List<AclEntryInput> Patterns, List<string> Problems);

    public static bool IsMosquittoHash(string hash) => hash.StartsWith("$6$", StringComparison.Ordinal) || hash.StartsWith("$7$", StringComparison.Ordinal);

    public static List<PasswordLine> ReadPasswords(string text)
    {
        var lines = new List<PasswordLine>();
        foreach (var (line, number) in Lines(text))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                lines.Add(new PasswordLine(number, "", null, $"line {number}: not \"user:hash\""));
                continue;
            }

            var (name, hash) = (line[..colon], line[(colon + 1)..]);
            var problem = Decode(hash) is null
                ? IsMosquittoHash(hash) ? "its hash cannot be read" : "its password is not hashed (run mosquitto_passwd -U on the file first)"
                : null;
            lines.Add(new PasswordLine(number, name, problem is null ? hash : null, problem is null ? null : $"line {number} ({name}): {problem}"));
        }

        return lines;
    }

    public static AclFile ReadAcl(string text)
    {
        var acl = new AclFile(new Dictionary<string, List<AclEntryInput>>(StringComparer.Ordinal), [], [], []);
        string? user = null;
        foreach (var (line, number) in Lines(text))
        {
            var words = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (words)
            {
                case ["user", _, ..]:
                    user = line["user".Length..].Trim(); // the rest of the line, spaces and all
                    acl.Users.TryAdd(user, []);
                    break;
                case ["topic" or "pattern", ..] when words.Length >= 2:
                    // "topic <filter>" grants readwrite; "topic <access> <filter>" (the filter may hold spaces).
                    var (access, filter) = words.Length == 2 ? ("readwrite", words[1]) : (words[1], words[2]);
                    if (BrokerUserValidator.ParseAccess(access) is null)
                    {
                        acl.Problems.Add($"line {number}: unknown access \"{access}\" (read, write, readwrite or deny)");
                        continue;
                    }

                    var entry = new AclEntryInput(filter, access);
                    (words[0] == "pattern" ? acl.Patterns : user is null ? acl.Anonymous : acl.Users[user]).Add(entry);
                    break;
                default:
                    acl.Problems.Add($"line {number}: not a topic, pattern or user line");
                    break;
            }
        }

        return acl;
    }

    /// <summary>Is <paramref name="password"/> the one <paramref name="hash"/> (a Mosquitto hash) was made from?</summary>
    public static bool Verify(string hash, string password)
    {
        if (Decode(hash) is not var (iterations, salt, expected))
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(password);
        var actual = iterations == 0
            ? SHA512.HashData([.. bytes, .. salt])
            : Rfc2898DeriveBytes.Pbkdf2(bytes, salt, iterations, HashAlgorithmName.SHA512, HashLength);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Iterations (0 for <c>$6$</c>), salt and hash; null when it is not a hash Mosquitto would accept.</summary>
    private static (int Iterations, byte[] Salt, byte[] Hash)? Decode(string hash)
    {
        var parts = hash.Split('$');
        try
        {
            return parts switch
            {
                ["", "6", var salt, var digest] => Checked(0, salt, digest),
                ["", "7", var iterations, var salt, var digest] when int.TryParse(iterations, out var n) && n is > 0 and <= 10_000_000 => Checked(n, salt, digest),
                _ => null,
            };
        }
        catch (FormatException)
        {
            return null;
        }

        static (int, byte[], byte[])? Checked(int iterations, string salt, string digest) =>
            (Convert.FromBase64String(salt), Convert.FromBase64String(digest)) is var (s, d) && s.Length == SaltLength && d.Length == HashLength
                ? (iterations, s, d)
                : null;
    }

    /// <summary>Lines as Mosquitto reads them: trailing blanks cut, empty ones and those starting with # skipped.</summary>
    private static IEnumerable<(string Line, int Number)> Lines(string text)
    {
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd();
            if (line.Length > 0 && line[0] != '#')
            {
                yield return (line, number);
            }
        }
    }
}
