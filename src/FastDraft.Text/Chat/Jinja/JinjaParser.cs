namespace FastDraft.Text.Jinja;

/// <summary>
/// Parses tokens into statements with jinja2's grammar for the tags chat templates use: <c>if</c>/<c>elif</c>/<c>else</c>,
/// <c>for</c> (with <c>if</c> filter and <c>else</c>), <c>set</c> (also block set and namespace attributes), <c>macro</c>,
/// <c>call</c>, <c>filter</c>, <c>break</c>/<c>continue</c> (transformers loads the loop-controls extension) and
/// transformers' <c>generation</c>. Any other tag is an error naming it.
/// </summary>
internal sealed partial class JinjaParser
{
    private readonly List<JinjaToken> _tokens;
    private int _index;

    private JinjaParser(List<JinjaToken> tokens) => _tokens = tokens;

    private JinjaToken Current => _tokens[_index];

    public static IReadOnlyList<JinjaStatement> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        List<JinjaStatement> body = parser.ParseBody([], out _);
        return body;
    }

    private JinjaToken Next() => _tokens[_index++];

    private JinjaToken Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private JinjaException Error(string message, JinjaToken? at = null)
    {
        JinjaToken token = at ?? Current;
        return new JinjaException($"TemplateSyntaxError: {message}", token.Line, token.Column);
    }

    private static string Describe(JinjaToken token) => token.Kind switch
    {
        JinjaTokenKind.End => "end of template",
        JinjaTokenKind.BlockEnd => "end of statement block",
        JinjaTokenKind.VariableEnd => "end of print statement",
        JinjaTokenKind.String => "string",
        _ => $"'{token.Text}'",
    };

    private JinjaToken Expect(JinjaTokenKind kind, string? text = null)
    {
        if (Current.Kind != kind || (text is not null && Current.Text != text))
        {
            throw Error($"expected {(text is null ? kind.ToString() : $"'{text}'")}, got {Describe(Current)}");
        }

        return Next();
    }

    private void ExpectOperator(string op) => Expect(JinjaTokenKind.Operator, op);

    private bool SkipOperator(string op)
    {
        if (Current.IsOperator(op))
        {
            _index++;
            return true;
        }

        return false;
    }

    private bool SkipName(string name)
    {
        if (Current.IsName(name))
        {
            _index++;
            return true;
        }

        return false;
    }

    /// <summary>Parses statements until a block tag whose first word is one of <paramref name="endNames"/> (left unconsumed after its <c>{%</c>).</summary>
    private List<JinjaStatement> ParseBody(string[] endNames, out string? end)
    {
        var body = new List<JinjaStatement>();
        while (true)
        {
            JinjaToken token = Current;
            switch (token.Kind)
            {
                case JinjaTokenKind.Data:
                    _index++;
                    body.Add(new TextStatement(token.Line, token.Column, token.Text));
                    break;
                case JinjaTokenKind.VariableBegin:
                    _index++;
                    JinjaExpression expression = ParseTuple(withConditional: true);
                    Expect(JinjaTokenKind.VariableEnd);
                    body.Add(new OutputStatement(token.Line, token.Column, expression));
                    break;
                case JinjaTokenKind.BlockBegin:
                    _index++;
                    JinjaToken name = Current;
                    if (name.Kind == JinjaTokenKind.Name && endNames.Contains(name.Text))
                    {
                        end = name.Text;
                        _index++;
                        return body;
                    }

                    body.Add(ParseStatement());
                    break;
                case JinjaTokenKind.End:
                    if (endNames.Length > 0)
                    {
                        throw Error($"Unexpected end of template. Jinja was looking for the following tags: {string.Join(" or ", endNames.Select(n => $"'{n}'"))}.");
                    }

                    end = null;
                    return body;
                default:
                    throw Error($"unexpected {Describe(token)}");
            }
        }
    }

    private JinjaStatement ParseStatement()
    {
        JinjaToken keyword = Current;
        if (keyword.Kind != JinjaTokenKind.Name)
        {
            throw Error("tag name expected");
        }

        _index++;
        switch (keyword.Text)
        {
            case "if": return ParseIf(keyword);
            case "for": return ParseFor(keyword);
            case "set": return ParseSet(keyword);
            case "macro": return ParseMacro(keyword);
            case "call": return ParseCallBlock(keyword);
            case "filter": return ParseFilterBlock(keyword);
            case "generation":
                Expect(JinjaTokenKind.BlockEnd);
                List<JinjaStatement> generated = ParseBody(["endgeneration"], out _);
                EndBlock();
                return new ScopeStatement(keyword.Line, keyword.Column, generated);
            case "break" or "continue":
                Expect(JinjaTokenKind.BlockEnd);
                return new LoopControlStatement(keyword.Line, keyword.Column, keyword.Text == "break");
            default:
                throw Error($"the '{keyword.Text}' tag is not supported by FastDraft's chat template interpreter (supported: if, for, set, macro, call, filter, break, continue, generation, raw)", keyword);
        }
    }

    private void EndBlock() => Expect(JinjaTokenKind.BlockEnd);

    private IfStatement ParseIf(JinjaToken keyword)
    {
        var branches = new List<(JinjaExpression, IReadOnlyList<JinjaStatement>)>();
        JinjaExpression test = ParseTuple(withConditional: false);
        while (true)
        {
            Expect(JinjaTokenKind.BlockEnd);
            List<JinjaStatement> body = ParseBody(["elif", "else", "endif"], out string? end);
            branches.Add((test, body));
            if (end == "elif")
            {
                test = ParseTuple(withConditional: false);
                continue;
            }

            List<JinjaStatement> otherwise = [];
            if (end == "else")
            {
                Expect(JinjaTokenKind.BlockEnd);
                otherwise = ParseBody(["endif"], out _);
            }

            EndBlock();
            return new IfStatement(keyword.Line, keyword.Column, branches, otherwise);
        }
    }

    private ForStatement ParseFor(JinjaToken keyword)
    {
        JinjaTarget target = ParseTarget(allowNamespace: false);
        if (!SkipName("in"))
        {
            throw Error($"expected 'in', got {Describe(Current)}");
        }

        JinjaExpression iterable = ParseTuple(withConditional: false, stopAtNames: ["recursive"]);
        JinjaExpression? filter = SkipName("if") ? ParseExpression() : null;
        if (Current.IsName("recursive"))
        {
            throw Error("recursive loops are not supported by FastDraft's chat template interpreter");
        }

        Expect(JinjaTokenKind.BlockEnd);
        List<JinjaStatement> body = ParseBody(["endfor", "else"], out string? end);
        List<JinjaStatement> otherwise = [];
        if (end == "else")
        {
            Expect(JinjaTokenKind.BlockEnd);
            otherwise = ParseBody(["endfor"], out _);
        }

        EndBlock();
        return new ForStatement(keyword.Line, keyword.Column, target, iterable, filter, body, otherwise);
    }

    private JinjaStatement ParseSet(JinjaToken keyword)
    {
        JinjaTarget target = ParseTarget(allowNamespace: true);
        if (SkipOperator("="))
        {
            JinjaExpression value = ParseTuple(withConditional: true);
            EndBlock();
            return new SetStatement(keyword.Line, keyword.Column, target, value);
        }

        FilterExpression? filter = null;
        while (SkipOperator("|"))
        {
            filter = ParseFilter(filter);
        }

        Expect(JinjaTokenKind.BlockEnd);
        List<JinjaStatement> body = ParseBody(["endset"], out _);
        EndBlock();
        return new BlockSetStatement(keyword.Line, keyword.Column, target, filter, body);
    }

    private JinjaTarget ParseTarget(bool allowNamespace)
    {
        var names = new List<string>();
        bool parenthesised = SkipOperator("(");
        do
        {
            string name = Expect(JinjaTokenKind.Name).Text;
            if (allowNamespace && names.Count == 0 && SkipOperator("."))
            {
                return new JinjaTarget([name], false, Expect(JinjaTokenKind.Name).Text);
            }

            names.Add(name);
        }
        while (SkipOperator(",") && Current.Kind == JinjaTokenKind.Name);

        if (parenthesised)
        {
            ExpectOperator(")");
        }

        return new JinjaTarget(names, names.Count > 1 || parenthesised, null);
    }

    private MacroStatement ParseMacro(JinjaToken keyword)
    {
        string name = Expect(JinjaTokenKind.Name).Text;
        (List<string> parameters, List<JinjaExpression?> defaults) = ParseSignature();
        Expect(JinjaTokenKind.BlockEnd);
        List<JinjaStatement> body = ParseBody(["endmacro"], out _);
        EndBlock();
        return new MacroStatement(keyword.Line, keyword.Column, name, parameters, defaults, body);
    }

    private (List<string> Names, List<JinjaExpression?> Defaults) ParseSignature()
    {
        var names = new List<string>();
        var defaults = new List<JinjaExpression?>();
        ExpectOperator("(");
        while (!SkipOperator(")"))
        {
            if (names.Count > 0)
            {
                ExpectOperator(",");
                if (SkipOperator(")"))
                {
                    break;
                }
            }

            names.Add(Expect(JinjaTokenKind.Name).Text);
            defaults.Add(SkipOperator("=") ? ParseExpression() : null);
        }

        return (names, defaults);
    }

    private CallBlockStatement ParseCallBlock(JinjaToken keyword)
    {
        (List<string> parameters, List<JinjaExpression?> defaults) = Current.IsOperator("(") ? ParseSignature() : ([], []);
        JinjaExpression call = ParseExpression();
        if (call is not CallExpression callExpression)
        {
            throw Error("expected call", keyword);
        }

        Expect(JinjaTokenKind.BlockEnd);
        List<JinjaStatement> body = ParseBody(["endcall"], out _);
        EndBlock();
        return new CallBlockStatement(keyword.Line, keyword.Column, callExpression, parameters, defaults, body);
    }

    private FilterBlockStatement ParseFilterBlock(JinjaToken keyword)
    {
        FilterExpression filter = ParseFilter(null);
        while (SkipOperator("|"))
        {
            filter = ParseFilter(filter);
        }

        Expect(JinjaTokenKind.BlockEnd);
        List<JinjaStatement> body = ParseBody(["endfilter"], out _);
        EndBlock();
        return new FilterBlockStatement(keyword.Line, keyword.Column, filter, body);
    }
}
