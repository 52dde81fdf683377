namespace FastDraft.Training;

/// <summary>Runs a model along a known token sequence and hands out the logits that predict each next token.</summary>
internal static class TeacherForcing
{
    // Backends may split long appends into passes and keep only the last pass's rows, so the
    // continuation goes in blocks small enough to be one pass on every backend.
    private const int Block = 16;

    /// <summary>Receives the logits at <paramref name="position"/>, which score token <paramref name="position"/> + 1.</summary>
    public delegate void RowVisitor(int position, ReadOnlySpan<float> logits);

    /// <summary>Appends <paramref name="tokens"/> (all but the last) to an empty session and visits positions <paramref name="first"/> to the second to last.</summary>
    public static void Run(IModelSession session, ReadOnlySpan<int> tokens, int first, RowVisitor visit, CancellationToken cancellationToken)
    {
        session.Append(tokens[..(first + 1)], cancellationToken);
        visit(first, session.GetLogits(first));
        for (int position = first + 1; position < tokens.Length - 1;)
        {
            int count = Math.Min(Block, tokens.Length - 1 - position);
            session.Append(tokens.Slice(position, count), cancellationToken);
            for (int j = 0; j < count; j++)
            {
                visit(position + j, session.GetLogits(j));
            }

            position += count;
        }
    }
}
