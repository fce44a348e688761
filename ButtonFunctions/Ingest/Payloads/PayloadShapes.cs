using System.Reflection;

namespace ButtonFunctions.Ingest.Payloads;

/// <summary>Every <see cref="IClickPayloadShape"/> of this assembly, and which one a click is in.</summary>
internal static class PayloadShapes
{
    /// <summary>Found once, by reflection, so a new shape needs no registration; ordered by marker for stable messages.</summary>
    public static IReadOnlyList<IClickPayloadShape> All { get; } = typeof(IClickPayloadShape).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IClickPayloadShape).IsAssignableFrom(t))
        .Select(t => (IClickPayloadShape)Activator.CreateInstance(t, nonPublic: true)!)
        .OrderBy(s => s.Marker, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The one shape whose marker the click has; otherwise null and a reason (none or several match).</summary>
    public static IClickPayloadShape? Detect(JsonFieldReader fields, out string? reason)
    {
        // A loop, not a LINQ query: this runs for every click (README "Performance and reliability").
        IClickPayloadShape? match = null;
        var matches = 0;
        foreach (var shape in All)
        {
            if (fields.Has(shape.Marker))
            {
                match = shape;
                if (++matches == 2)
                {
                    break;
                }
            }
        }

        reason = matches switch
        {
            1 => null,
            0 => "unrecognised payload: expected " + string.Join(" or ", All.Select(s => $"'{s.Marker}' ({s.Name})")),
            _ => "ambiguous payload: more than one of " + string.Join(", ", All.Select(s => $"'{s.Marker}'")) + " is present",
        };
        return matches == 1 ? match : null;
    }
}
