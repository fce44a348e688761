using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Auth;

/// <summary>
/// Remembers tokens that passed full validation, so the RSA check runs once per token instead of once
/// per click. Keyed by the token's SHA-256 (the token itself is never stored); an entry lives until the
/// token's <c>exp</c> or the configured cap, whichever comes first; bounded in size.
/// </summary>
internal sealed class ValidatedTokenCache : IDisposable
{
    private readonly MemoryCache _cache;
    private readonly TimeProvider _time;
    private readonly TimeSpan _cap;

    public ValidatedTokenCache(IOptions<Auth0Options> options, TimeProvider time)
    {
        _time = time;
        _cap = options.Value.ValidatedTokenCacheLifetime;
        _cache = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = options.Value.ValidatedTokenCacheSize,
            Clock = new TimeProviderClock(time),
        });
    }

    /// <summary>Hex SHA-256 of the token: the only form in which a token is kept.</summary>
    public static string KeyFor(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var byteCount = Encoding.UTF8.GetMaxByteCount(token.Length);
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            var written = Encoding.UTF8.GetBytes(token, rented);
            SHA256.HashData(rented.AsSpan(0, written), hash);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented, clearArray: true); // the token's bytes must not linger in a shared buffer
        }

        return Convert.ToHexString(hash);
    }

    public bool TryGet(string key, out Caller caller)
    {
        if (_cache.TryGetValue(key, out var value) && value is Caller found)
        {
            caller = found;
            return true;
        }

        caller = null!;
        return false;
    }

    /// <summary>Remembers a validated token until <paramref name="expiresAt"/> or the cap, whichever is sooner.</summary>
    public void Add(string key, Caller caller, DateTimeOffset expiresAt)
    {
        var now = _time.GetUtcNow();
        var until = now + _cap < expiresAt ? now + _cap : expiresAt;
        if (until <= now)
        {
            return;
        }

        _cache.Set(key, caller, new MemoryCacheEntryOptions { AbsoluteExpiration = until, Size = 1 });
    }

    public int Count => _cache.Count;

    public void Dispose() => _cache.Dispose();

    /// <summary>MemoryCache predates TimeProvider; this lets tests move its clock with a fake one.</summary>
    private sealed class TimeProviderClock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
