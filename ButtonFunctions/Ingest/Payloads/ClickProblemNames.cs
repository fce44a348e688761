namespace ButtonFunctions.Ingest.Payloads;

/// <summary>The metric tag value of each <see cref="ClickProblem"/> (kebab case, computed once).</summary>
public static class ClickProblemNames
{
    private static readonly string[] Names = [.. Enum.GetValues<ClickProblem>().Select(Kebab)];

    public static string Of(ClickProblem problem) => (uint)problem < (uint)Names.Length ? Names[(int)problem] : "other";

    private static string Kebab(ClickProblem problem)
    {
        var name = problem.ToString();
        var text = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}
