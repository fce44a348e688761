using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Configuration;

/// <summary>
/// List settings (<c>Auth0:AllowedClientIds</c>, <c>Destinations:AllowedArns</c>) accept both spellings a user may
/// write: indexed keys (<c>Section__Key__0</c>, <c>__1</c> …, or a JSON array in local.settings.json), which the
/// configuration binder reads, and one comma-separated value (<c>Section__Key=a,b</c>, what azd and the portal set),
/// which the binder would silently drop. Entries are trimmed; empty ones are left out.
/// </summary>
internal static class ListSettings
{
    /// <summary>After binding, normalises <paramref name="list"/> and adds the values of a comma-separated setting.</summary>
    public static OptionsBuilder<T> BindList<T>(this OptionsBuilder<T> builder, string key, Func<T, IList<string>> list)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Configure<IConfiguration>((options, configuration) => Read(configuration.GetSection(key), list(options)));
    }

    private static void Read(IConfigurationSection section, IList<string> target)
    {
        var values = target.Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        if (section.Value is { } joined)
        {
            values.AddRange(joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        target.Clear();
        foreach (var value in values.Distinct(StringComparer.Ordinal))
        {
            target.Add(value);
        }
    }
}
