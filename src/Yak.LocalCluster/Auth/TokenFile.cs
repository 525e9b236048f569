using System.Security.Cryptography;
using System.Text;
using Yak.LocalCluster.Hosting;

namespace Yak.LocalCluster.Auth;

/// <summary>
/// The users and their bearer tokens, in the apiserver's static token file format (<c>--token-auth-file</c>): one
/// <c>token,user,uid,"group1,group2"</c> line per user. Kept 0600 in the state folder; the first user is the owner
/// (group <c>system:masters</c>). Re-read when the file changes, so users added by another process take effect.
/// </summary>
public sealed class TokenFile
{
    public const string OwnerName = "owner";
    private const int MaxFileBytes = 1 << 20;

    private readonly string _path;
    private readonly Lock _gate = new();
    private (DateTime Written, long Length) _loadedVersion;
    private Dictionary<string, ClusterUser> _byTokenHash = new(StringComparer.Ordinal);
    private List<(string Token, ClusterUser User)> _entries = [];

    public TokenFile(string path)
    {
        _path = path;
    }

    public string Path => _path;

    /// <summary>Opens the token file, creating it with an owner (a <c>system:masters</c> member) when it does not exist.</summary>
    public static TokenFile OpenOrCreate(string path)
    {
        var file = new TokenFile(path);
        if (!File.Exists(path))
        {
            file.Add(OwnerName, [ClusterUser.MastersGroup]);
        }

        file.Reload(force: true);
        return file;
    }

    /// <summary>The token of the first user in the file (the cluster's owner).</summary>
    public string OwnerToken
    {
        get
        {
            Reload(force: false);
            lock (_gate)
            {
                return _entries.Count > 0 ? _entries[0].Token : throw new InvalidOperationException($"{_path} lists no users");
            }
        }
    }

    public IReadOnlyList<ClusterUser> Users
    {
        get
        {
            Reload(force: false);
            lock (_gate)
            {
                return [.. _entries.Select(e => e.User)];
            }
        }
    }

    /// <summary>The user a bearer token belongs to, or null.</summary>
    public ClusterUser? Authenticate(string token)
    {
        Reload(force: false);
        var hash = Hash(token);
        lock (_gate)
        {
            return _byTokenHash.GetValueOrDefault(hash);
        }
    }

    /// <summary>Adds a user with a new random token (or replaces the token of an existing one) and returns the token.</summary>
    public string Add(string name, IReadOnlyList<string> groups)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"user name \"{name}\" is invalid: use letters, digits, '-', '_', '.', ':', '@' (at most 253 characters)");
        }

        foreach (var group in groups)
        {
            if (!IsValidName(group))
            {
                throw new ArgumentException($"group \"{group}\" is invalid: use letters, digits, '-', '_', '.', ':', '@' (at most 253 characters)");
            }
        }

        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        lock (_gate)
        {
            var entries = File.Exists(_path) ? Parse(ReadBounded()) : [];
            var uid = entries.FirstOrDefault(e => e.User.Name == name).User?.Uid ?? Guid.NewGuid().ToString();
            entries.RemoveAll(e => e.User.Name == name);
            entries.Add((token, new ClusterUser(name, uid, [.. groups])));
            var text = new StringBuilder();
            foreach (var (t, user) in entries)
            {
                text.Append(t).Append(',').Append(user.Name).Append(',').Append(user.Uid).Append(",\"").AppendJoin(',', user.Groups).Append("\"\n");
            }

            PrivateFiles.WriteAtomic(_path, text.ToString());
        }

        Reload(force: true);
        return token;
    }

    private void Reload(bool force)
    {
        var info = new FileInfo(_path);
        var version = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
        lock (_gate)
        {
            if (!force && version == _loadedVersion)
            {
                return;
            }

            var entries = info.Exists ? Parse(ReadBounded()) : [];
            _entries = entries;
            _byTokenHash = entries.ToDictionary(e => Hash(e.Token), e => e.User, StringComparer.Ordinal);
            _loadedVersion = version;
        }
    }

    private string ReadBounded()
    {
        var info = new FileInfo(_path);
        if (info.Length > MaxFileBytes)
        {
            throw new InvalidDataException($"{_path} is over {MaxFileBytes} bytes; it should hold one short line per user.");
        }

        return File.ReadAllText(_path);
    }

    private List<(string Token, ClusterUser User)> Parse(string text)
    {
        var entries = new List<(string, ClusterUser)>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var quote = line.IndexOf('"', StringComparison.Ordinal);
            var head = quote < 0 ? line : line[..quote].TrimEnd(',');
            var fields = head.Split(',');
            if (fields.Length < 3 || fields[0].Length < 16 || fields[1].Length == 0)
            {
                throw new InvalidDataException($"{_path}:{number}: expected token,user,uid,\"group1,group2\" with a token of at least 16 characters");
            }

            var groups = quote < 0 ? [] : line[(quote + 1)..].TrimEnd('"').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            entries.Add((fields[0], new ClusterUser(fields[1], fields[2], groups)));
        }

        return entries;
    }

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= 253 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@');

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
