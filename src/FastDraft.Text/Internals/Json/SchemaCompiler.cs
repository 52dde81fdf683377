using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FastDraft.Text.Internals.Json;

/// <summary>
/// Compiles a JSON Schema (the subset <see cref="JsonConstraint"/> documents) into <see cref="SchemaNode"/>s.
/// Any other keyword is refused by name: a constraint that silently ignored one would let through
/// output the schema rejects.
/// </summary>
internal sealed class SchemaCompiler
{
    /// <summary>The most properties an object schema may declare (seen properties are a 32-bit mask).</summary>
    public const int MaxProperties = 32;

    private static readonly HashSet<string> Annotations = ["$schema", "$id", "$comment", "title", "description", "default", "examples"];
    private static readonly HashSet<string> Supported = ["type", "properties", "required", "additionalProperties", "enum", "const", "items", "minItems", "maxItems", "anyOf", "minLength", "maxLength"];
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<SchemaNode> _nodes = [];
    private int _any = -1;

    public IReadOnlyList<SchemaNode> Nodes => _nodes;

    /// <summary>Compiles <paramref name="schema"/>; returns the root node's index.</summary>
    /// <exception cref="ArgumentException">The schema uses a keyword or a form outside the subset.</exception>
    public int Compile(JsonElement schema, string path = "#")
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return Any();
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw Refuse(path, $"a schema must be an object or true, not {schema.ValueKind}");
        }

        foreach (JsonProperty property in schema.EnumerateObject())
        {
            if (!Supported.Contains(property.Name) && !Annotations.Contains(property.Name))
            {
                throw Refuse(path, $"the keyword '{property.Name}' is not supported (supported: {string.Join(", ", Supported)})");
            }
        }

        if (schema.TryGetProperty("anyOf", out JsonElement anyOf))
        {
            if (schema.EnumerateObject().Any(p => Supported.Contains(p.Name) && p.Name != "anyOf"))
            {
                throw Refuse(path, "'anyOf' beside other validation keywords is not supported; put them inside each alternative");
            }

            if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
            {
                throw Refuse(path, "'anyOf' must be a non-empty array");
            }

            return AnyOf([.. anyOf.EnumerateArray().Select((alternative, i) => Compile(alternative, $"{path}/anyOf/{i}"))]);
        }

        string[] types = Types(schema, path);
        if (schema.TryGetProperty("const", out JsonElement constant))
        {
            return Literal([constant], types, path);
        }

        if (schema.TryGetProperty("enum", out JsonElement values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
            {
                throw Refuse(path, "'enum' must be a non-empty array");
            }

            return Literal([.. values.EnumerateArray()], types, path);
        }

        if (types.Length == 0)
        {
            types = schema.TryGetProperty("properties", out _) ? ["object"] : schema.TryGetProperty("items", out _) ? ["array"] : [];
        }

        if (types.Length == 0)
        {
            return Any();
        }

        int[] alternatives = [.. types.Select(type => Typed(schema, type, path))];
        return alternatives.Length == 1 ? alternatives[0] : AnyOf(alternatives);
    }

    private int Typed(JsonElement schema, string type, string path)
    {
        switch (type)
        {
            case "string":
                return Add(new SchemaNode { Kind = SchemaKind.String, MinCount = Count(schema, "minLength", 0, path), MaxCount = Count(schema, "maxLength", -1, path) });
            case "integer":
            case "number":
                return Add(new SchemaNode { Kind = SchemaKind.Number, Integer = type == "integer" });
            case "boolean":
                return Add(LiteralNode(["true", "false"]));
            case "null":
                return Add(LiteralNode(["null"]));
            case "array":
                int array = Add(new SchemaNode { Kind = SchemaKind.Array, MinCount = Count(schema, "minItems", 0, path), MaxCount = Count(schema, "maxItems", -1, path) });
                _nodes[array].Items = schema.TryGetProperty("items", out JsonElement items) ? Compile(items, path + "/items") : Any();
                return array;
            case "object":
                return Object(schema, path);
            default:
                throw Refuse(path, $"the type '{type}' is not a JSON Schema type");
        }
    }

    private int Object(JsonElement schema, string path)
    {
        int node = Add(new SchemaNode { Kind = SchemaKind.Object });
        bool closed = schema.TryGetProperty("additionalProperties", out JsonElement additional) && additional.ValueKind == JsonValueKind.False;
        if (additional.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.True or JsonValueKind.False))
        {
            throw Refuse(path, "'additionalProperties' must be true or false (a schema for them is not supported)");
        }

        if (!schema.TryGetProperty("properties", out JsonElement properties) && !closed)
        {
            _nodes[node].Items = Any(); // no declared properties: any keys, any values
            return node;
        }

        var names = new List<string>();
        var children = new List<int>();
        if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in properties.EnumerateObject())
            {
                names.Add(property.Name);
                children.Add(Compile(property.Value, $"{path}/properties/{property.Name}"));
            }
        }

        if (names.Count > MaxProperties)
        {
            throw Refuse(path, $"an object may declare at most {MaxProperties} properties, not {names.Count}");
        }

        uint required = 0;
        if (schema.TryGetProperty("required", out JsonElement requiredNames))
        {
            foreach (JsonElement name in requiredNames.EnumerateArray())
            {
                int index = names.IndexOf(name.GetString() ?? string.Empty);
                required |= index >= 0 ? 1u << index : throw Refuse(path, $"the required property '{name}' is not among 'properties'");
            }
        }

        var trie = new LiteralTrie();
        for (int i = 0; i < names.Count; i++)
        {
            trie.Add(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(names[i], Compact)), i);
        }

        SchemaNode compiled = _nodes[node];
        compiled.PropertyNames = [.. names];
        compiled.PropertyNodes = [.. children];
        compiled.Required = required;
        compiled.Trie = trie;
        return node;
    }

    private int Literal(JsonElement[] values, string[] types, string path)
    {
        string[] texts = [.. values.Where(v => types.Length == 0 || types.Any(t => Matches(v, t))).Select(v => JsonSerializer.Serialize(v, Compact)).Distinct()];
        return texts.Length > 0 ? Add(LiteralNode(texts)) : throw Refuse(path, "no 'enum' or 'const' value has the schema's 'type'");
    }

    private static SchemaNode LiteralNode(string[] texts)
    {
        var trie = new LiteralTrie();
        for (int i = 0; i < texts.Length; i++)
        {
            trie.Add(Encoding.UTF8.GetBytes(texts[i]), i);
        }

        return new SchemaNode { Kind = SchemaKind.Literal, Trie = trie };
    }

    private static bool Matches(JsonElement value, string type) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        _ => false,
    };

    /// <summary>Any JSON value: an object or array of any values, a string, a number, true, false or null.</summary>
    private int Any()
    {
        if (_any >= 0)
        {
            return _any;
        }

        _any = Add(new SchemaNode { Kind = SchemaKind.AnyOf });
        int anyObject = Add(new SchemaNode { Kind = SchemaKind.Object, Items = _any });
        int anyArray = Add(new SchemaNode { Kind = SchemaKind.Array, Items = _any });
        int anyString = Add(new SchemaNode { Kind = SchemaKind.String });
        int anyNumber = Add(new SchemaNode { Kind = SchemaKind.Number });
        int constants = Add(LiteralNode(["true", "false", "null"]));
        _nodes[_any].Alternatives = [anyObject, anyArray, anyString, anyNumber, constants];
        return _any;
    }

    private int AnyOf(int[] alternatives)
    {
        int node = Add(new SchemaNode { Kind = SchemaKind.AnyOf });
        _nodes[node].Alternatives = alternatives;
        return node;
    }

    private int Add(SchemaNode node)
    {
        _nodes.Add(node);
        return _nodes.Count - 1;
    }

    private static string[] Types(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("type", out JsonElement type))
        {
            return [];
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array => [.. type.EnumerateArray().Select(t => t.GetString() ?? throw Refuse(path, "'type' entries must be strings"))],
            _ => throw Refuse(path, "'type' must be a string or an array of strings"),
        };
    }

    private static int Count(JsonElement schema, string keyword, int absent, string path)
    {
        if (!schema.TryGetProperty(keyword, out JsonElement value))
        {
            return absent;
        }

        return value.TryGetInt32(out int count) && count >= 0 ? count : throw Refuse(path, $"'{keyword}' must be a non-negative integer");
    }

    private static ArgumentException Refuse(string path, string message) =>
        new($"The JSON schema cannot be used as a constraint at {path}: {message}.");
}
