using FastDraft.Evaluation;
using FastDraft.Text;

namespace FastDraft.Tool;

/// <summary>
/// The constraint an evaluation ran under, for the report: its kind (<c>json-object</c> or <c>json-schema</c>), the schema
/// file, and target-only's output of each prompt in the first repetition, as text, with whether it is a complete value
/// (it ended with end-of-sequence, which the constraint lets through only then) or was cut at <c>--max-new-tokens</c>.
/// </summary>
internal sealed record EvalConstraint(string Kind, string? File, IReadOnlyList<EvalConstraint.Output> Outputs)
{
    /// <summary>Describes the constraint and decodes the outputs of <paramref name="report"/>.</summary>
    public static EvalConstraint Describe(string? schemaFile, EvaluationReport report, ModelTokenizer tokenizer)
    {
        int? eos = tokenizer.EndOfSequenceTokenId;
        Output[] outputs = [.. report.TargetOnlyOutputs.Select(ids =>
        {
            bool complete = ids.Count > 0 && ids[^1] == eos;
            int[] text = [.. ids.Take(complete ? ids.Count - 1 : ids.Count)];
            return new Output(tokenizer.Decode(text), complete);
        })];
        return new EvalConstraint(schemaFile is null ? "json-object" : "json-schema", schemaFile, outputs);
    }

    /// <summary>One prompt's constrained output.</summary>
    internal sealed record Output(string Text, bool Complete);
}
