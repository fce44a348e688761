using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace LocalIssuer;

/// <summary>
/// RSA signing keys as Auth0 rotates them: the JWKS always lists the current key and the next one
/// (published before it signs anything), plus the previous one until the following rotation so
/// tokens it signed stay verifiable.
/// </summary>
internal sealed class SigningKeyRing : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<RSA> _owned = [];
    private RsaSecurityKey? _previous;
    private RsaSecurityKey _current;
    private RsaSecurityKey _next;

    public SigningKeyRing()
    {
        _current = NewKey();
        _next = NewKey();
    }

    public SigningCredentials CurrentCredentials
    {
        get
        {
            lock (_lock)
            {
                return new SigningCredentials(_current, SecurityAlgorithms.RsaSha256);
            }
        }
    }

    public void Rotate()
    {
        lock (_lock)
        {
            _previous = _current;
            _current = _next;
            _next = NewKey();
        }
    }

    /// <summary>The public halves only, in JWKS form.</summary>
    public object Jwks()
    {
        lock (_lock)
        {
            var keys = new List<object> { PublicJwk(_current), PublicJwk(_next) };
            if (_previous is not null)
            {
                keys.Add(PublicJwk(_previous));
            }

            return new { keys };
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var rsa in _owned)
            {
                rsa.Dispose();
            }
        }
    }

    private RsaSecurityKey NewKey()
    {
        var rsa = RSA.Create(2048);
        _owned.Add(rsa);
        return new RsaSecurityKey(rsa) { KeyId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)) };
    }

    private static object PublicJwk(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        return new
        {
            kty = "RSA",
            use = "sig",
            alg = SecurityAlgorithms.RsaSha256,
            kid = key.KeyId,
            n = Base64UrlEncoder.Encode(parameters.Modulus),
            e = Base64UrlEncoder.Encode(parameters.Exponent),
        };
    }
}
