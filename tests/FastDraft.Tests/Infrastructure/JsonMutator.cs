using System.Text;
using System.Text.Json.Nodes;

namespace FastDraft.Tests.Infrastructure;

/// <summary>One mutated file: what was done (enough to reproduce it with the seed), and the bytes.</summary>
internal sealed record JsonMutation(string Kind, string Description, byte[] Bytes)
{
    public override string ToString() => $"{Kind}: {Description}";
}

/// <summary>
/// Mutates valid JSON files the way damaged or hostile files look, deterministically from a seed: keys
/// deleted or renamed, values of the wrong type, huge, negative and fractional numbers, short or empty
/// arrays and objects, odd strings, wrong root types, deep nesting, and at the byte level truncation,
/// flipped bytes and invalid UTF-8. Structural mutations pick a place by the shape of its path first
/// (<c>model.merges[*]</c> counts once, however many merges there are), so small sections get mutated
/// as often as big tables.
/// </summary>
/// <remarks>
/// Reusable for any JSON parser under test: create one per seed, call <see cref="Mutate"/> per case, and
/// print the seed and <see cref="JsonMutation.ToString"/> when a case fails. Not thread-safe.
/// </remarks>
internal sealed class JsonMutator(int seed)
{
    private static readonly string[] Kinds =
    [
        "delete-key", "rename-key", "wrong-type", "huge-number", "negative-number", "odd-number", "short-array",
        "empty-container", "odd-string", "wrong-root", "deep-nesting", "truncate", "flip-bytes", "invalid-utf8",
    ];

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];
    private const string DeepMarker = "__mutator_deep__";
    private const string SurrogateMarker = "__mutator_surrogate__";
    private readonly Random _random = new(seed);

    public int Seed => seed;

    /// <summary>Returns a mutation of <paramref name="valid"/> (UTF-8 JSON; the input is not changed).</summary>
    public JsonMutation Mutate(byte[] valid)
    {
        ArgumentNullException.ThrowIfNull(valid);
        string kind = Kinds[_random.Next(Kinds.Length)];
        return kind switch
        {
            "truncate" => Truncate(valid),
            "flip-bytes" => FlipBytes(valid),
            "invalid-utf8" => InvalidUtf8(valid),
            "wrong-root" => Text(kind, "root replaced", Pick<string>(["[]", "42", "\"text\"", "null", "true", "[{}]", "{}"])),
            _ => Structural(kind, JsonNode.Parse(valid.AsSpan(valid.AsSpan().StartsWith(Utf8Bom) ? Utf8Bom.Length : 0))!),
        };
    }

    private JsonMutation Structural(string kind, JsonNode root)
    {
        List<(string Path, JsonNode? Node, JsonNode? Parent, string? Key, int Index)> places = [];
        Collect(root, "$", null, null, -1, places);
        (string path, JsonNode? node, JsonNode? parent, string? key, int index) = PickByShape(kind, places);
        string description;
        switch (kind)
        {
            case "delete-key" when parent is JsonObject obj:
                obj.Remove(key!);
                description = $"deleted {path}";
                break;
            case "rename-key" when parent is JsonObject obj:
                JsonNode? value = obj[key!];
                obj.Remove(key!);
                obj[key + "_x"] = value;
                description = $"renamed {path}";
                break;
            case "short-array" when node is JsonArray array:
                int keep = _random.Next(2) == 0 ? 1 : Math.Min(array.Count, 3) + 1;
                while (array.Count > keep)
                {
                    array.RemoveAt(array.Count - 1);
                }

                while (array.Count < keep)
                {
                    array.Add(array.Count > 0 ? array[0]?.DeepClone() : JsonValue.Create("x"));
                }

                description = $"{path} cut to {keep} items";
                break;
            case "empty-container" when node is JsonArray or JsonObject:
                description = Replace(root, parent, key, index, node is JsonArray ? new JsonArray() : new JsonObject(), path, "emptied");
                break;
            default:
                JsonNode? replacement = kind switch
                {
                    "huge-number" => JsonValue.Create(Pick<long>([500_000_000, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, 1L << 40])),
                    "negative-number" => JsonValue.Create(Pick<long>([-1, -2, int.MinValue, long.MinValue])),
                    "odd-number" => JsonNode.Parse(Pick<string>(["1.5", "1e300", "-0.0", "18446744073709551616", "0", "1e3"])),
                    "odd-string" => OddString(node),
                    "deep-nesting" => JsonValue.Create(DeepMarker), // written as text below: the node API refuses such depth
                    _ => JsonNode.Parse(Pick<string>(["null", "true", "false", "0", "-7", "\"text\"", "\"\"", "[]", "{}", "[1,2]", "{\"type\":1}"])),
                };
                if (parent is null && kind != "wrong-type")
                {
                    return Text(kind, "root replaced", replacement?.ToJsonString() ?? "null");
                }

                description = Replace(root, parent, key, index, replacement, path, kind);
                break;
        }

        string text = root.ToJsonString()
            .Replace($"\"{DeepMarker}\"", new string('[', 100) + new string(']', 100), StringComparison.Ordinal)
            .Replace(SurrogateMarker, "\\uD800", StringComparison.Ordinal);
        return new JsonMutation(kind, description, Encoding.UTF8.GetBytes(text));
    }

    private static string Replace(JsonNode root, JsonNode? parent, string? key, int index, JsonNode? replacement, string path, string what)
    {
        switch (parent)
        {
            case JsonObject obj:
                obj[key!] = replacement;
                break;
            case JsonArray array:
                array[index] = replacement;
                break;
            default:
                return $"root {what} (kept: {root.GetValueKind()})";
        }

        return $"{path} {what} → {replacement?.ToJsonString() ?? "null"}";
    }

    private JsonValue OddString(JsonNode? node)
    {
        string current = node is JsonValue v && v.TryGetValue(out string? s) ? s : "x";
        return JsonValue.Create(_random.Next(8) switch
        {
            0 => string.Empty,
            1 => " ",
            2 => current + " " + current,
            3 => current.Replace(" ", string.Empty, StringComparison.Ordinal),
            4 => current + SurrogateMarker, // a lone surrogate, written as an escape below (the node API would replace it)
            5 => current + "(",
            6 => new string('a', 5000),
            _ => current + "\u0000\u00e9\u4e2d\uD83D\uDE00",
        });
    }

    private JsonMutation Truncate(byte[] valid)
    {
        int length = _random.Next(valid.Length);
        return new JsonMutation("truncate", $"cut to {length} of {valid.Length} bytes", valid[..length]);
    }

    private JsonMutation FlipBytes(byte[] valid)
    {
        byte[] bytes = (byte[])valid.Clone();
        var flipped = new List<string>();
        for (int n = _random.Next(1, 5); n > 0; n--)
        {
            int at = _random.Next(bytes.Length);
            byte to = (byte)_random.Next(256);
            flipped.Add($"{at}:{bytes[at]:X2}->{to:X2}");
            bytes[at] = to;
        }

        return new JsonMutation("flip-bytes", string.Join(' ', flipped), bytes);
    }

    private JsonMutation InvalidUtf8(byte[] valid)
    {
        // Inside a string (just after a quote) is where a parser is least likely to notice.
        int[] quotes = [.. valid.Select((b, i) => (b, i)).Where(p => p.b == (byte)'"').Select(p => p.i + 1)];
        int at = quotes.Length > 0 ? quotes[_random.Next(quotes.Length)] : _random.Next(valid.Length);
        byte[] bad = Pick<byte[]>([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]]);
        byte[] bytes = [.. valid[..at], .. bad, .. valid[at..]];
        return new JsonMutation("invalid-utf8", $"{Convert.ToHexString(bad)} inserted at byte {at}", bytes);
    }

    private static JsonMutation Text(string kind, string description, string json) => new(kind, $"{description} → {json}", Encoding.UTF8.GetBytes(json));

    private (string, JsonNode?, JsonNode?, string?, int) PickByShape(string kind, List<(string Path, JsonNode? Node, JsonNode? Parent, string? Key, int Index)> places)
    {
        // Key mutations need a place inside an object; container mutations need a container.
        Func<(string Path, JsonNode? Node, JsonNode? Parent, string? Key, int Index), bool> fits = kind switch
        {
            "delete-key" or "rename-key" => p => p.Parent is JsonObject,
            "short-array" => p => p.Node is JsonArray,
            "empty-container" => p => p.Node is JsonArray or JsonObject,
            _ => _ => true,
        };
        var candidates = places.Where(fits).ToList();
        if (candidates.Count == 0)
        {
            return places[0];
        }

        string[] shapes = [.. candidates.Select(p => Shape(p.Path)).Distinct()];
        string shape = shapes[_random.Next(shapes.Length)];
        var same = candidates.Where(p => Shape(p.Path) == shape).ToList();
        return same[_random.Next(same.Count)];
    }

    private static string Shape(string path)
    {
        var shape = new StringBuilder(path.Length);
        bool inIndex = false;
        foreach (char c in path)
        {
            if (c == '[')
            {
                inIndex = true;
                shape.Append("[*]");
            }
            else if (c == ']')
            {
                inIndex = false;
            }
            else if (!inIndex)
            {
                shape.Append(c);
            }
        }

        return shape.ToString();
    }

    private static void Collect(JsonNode? node, string path, JsonNode? parent, string? key, int index, List<(string, JsonNode?, JsonNode?, string?, int)> places)
    {
        places.Add((path, node, parent, key, index));
        switch (node)
        {
            case JsonObject obj:
                int i = 0;
                foreach ((string name, JsonNode? child) in obj.ToList())
                {
                    // Keys of big tables (the vocabulary) are data, not structure: index them by position.
                    string childPath = obj.Count > 16 ? $"{path}[{i}]" : $"{path}.{name}";
                    Collect(child, childPath, obj, name, -1, places);
                    i++;
                }

                break;
            case JsonArray array:
                for (int j = 0; j < array.Count; j++)
                {
                    Collect(array[j], $"{path}[{j}]", array, null, j, places);
                }

                break;
        }
    }

    private T Pick<T>(T[] choices) => choices[_random.Next(choices.Length)];
}
