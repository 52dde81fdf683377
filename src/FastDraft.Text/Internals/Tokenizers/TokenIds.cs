using static FastDraft.Text.Internals.Tokenizers.JsonFields;

namespace FastDraft.Text.Internals.Tokenizers;

/// <summary>
/// The bound on token ids in tokenizer files. Tables are indexed by id, so one huge id (500,000,000 in a
/// 4 KB file) would cost gigabytes; real vocabularies are dense, with at most a few gaps, so an id must
/// be below <c>2 × entries + 1024</c>, where entries counts the distinct tokens of the tokenizer files.
/// </summary>
internal static class TokenIds
{
    public static long Limit(int entries) => (2L * entries) + 1024;

    /// <summary>Refuses the first id at or above the bound, naming the file, the token and the id.</summary>
    public static void CheckBound(IEnumerable<(string Token, int Id, string Where)> ids, int entries, string path)
    {
        long limit = Limit(entries);
        foreach ((string token, int id, string where) in ids)
        {
            if (id < 0 || id >= limit)
            {
                throw new InvalidModelException(
                    $"'{path}': {where} gives the token {Quote(token)} the id {id}, outside [0, {limit}) (ids must stay below 2 × {entries} entries + 1024).",
                    path);
            }
        }
    }
}
