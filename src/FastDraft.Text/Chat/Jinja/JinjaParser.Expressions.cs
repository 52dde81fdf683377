using System.Globalization;

namespace FastDraft.Text.Jinja;

/// <summary>Expressions, with jinja2's precedence: inline if, or, and, not, comparisons, + -, ~, * / // %, **, unary, then postfix, filters and tests.</summary>
internal sealed partial class JinjaParser
{
    private static readonly string[] Comparisons = ["==", "!=", "<", "<=", ">", ">="];

    private JinjaExpression ParseExpression(bool withConditional = true) => withConditional ? ParseConditional() : ParseOr();

    /// <summary>An expression, or several separated by commas (a tuple), as <c>{{ }}</c>, <c>set</c> and <c>for</c> allow.</summary>
    private JinjaExpression ParseTuple(bool withConditional, string[]? stopAtNames = null)
    {
        JinjaToken start = Current;
        var items = new List<JinjaExpression>();
        bool comma = false;
        while (true)
        {
            if (items.Count > 0)
            {
                if (!SkipOperator(","))
                {
                    break;
                }

                comma = true;
            }

            if (IsTupleEnd(stopAtNames))
            {
                break;
            }

            items.Add(ParseExpression(withConditional));
        }

        if (!comma)
        {
            return items.Count == 1 ? items[0] : throw Error($"Expected an expression, got {Describe(Current)}");
        }

        return new TupleExpression(start.Line, start.Column, items);
    }

    private bool IsTupleEnd(string[]? stopAtNames) =>
        Current.Kind is JinjaTokenKind.VariableEnd or JinjaTokenKind.BlockEnd or JinjaTokenKind.End
        || Current.IsOperator(")")
        || (stopAtNames is not null && Current.Kind == JinjaTokenKind.Name && stopAtNames.Contains(Current.Text));

    private JinjaExpression ParseConditional()
    {
        JinjaExpression expression = ParseOr();
        while (Current.IsName("if"))
        {
            JinjaToken at = Next();
            JinjaExpression test = ParseOr();
            JinjaExpression? otherwise = SkipName("else") ? ParseConditional() : null;
            expression = new ConditionalExpression(at.Line, at.Column, test, expression, otherwise);
        }

        return expression;
    }

    private JinjaExpression ParseOr()
    {
        JinjaExpression left = ParseAnd();
        while (Current.IsName("or"))
        {
            JinjaToken at = Next();
            left = new BinaryExpression(at.Line, at.Column, "or", left, ParseAnd());
        }

        return left;
    }

    private JinjaExpression ParseAnd()
    {
        JinjaExpression left = ParseNot();
        while (Current.IsName("and"))
        {
            JinjaToken at = Next();
            left = new BinaryExpression(at.Line, at.Column, "and", left, ParseNot());
        }

        return left;
    }

    private JinjaExpression ParseNot()
    {
        if (Current.IsName("not"))
        {
            JinjaToken at = Next();
            return new UnaryExpression(at.Line, at.Column, "not", ParseNot());
        }

        return ParseCompare();
    }

    private JinjaExpression ParseCompare()
    {
        JinjaToken start = Current;
        JinjaExpression first = ParseMath1();
        var rest = new List<(string, JinjaExpression)>();
        while (true)
        {
            if (Current.Kind == JinjaTokenKind.Operator && Comparisons.Contains(Current.Text))
            {
                string op = Next().Text;
                rest.Add((op, ParseMath1()));
            }
            else if (SkipName("in"))
            {
                rest.Add(("in", ParseMath1()));
            }
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                _index += 2;
                rest.Add(("not in", ParseMath1()));
            }
            else
            {
                break;
            }
        }

        return rest.Count == 0 ? first : new CompareExpression(start.Line, start.Column, first, rest);
    }

    private JinjaExpression ParseMath1()
    {
        JinjaExpression left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            JinjaToken op = Next();
            left = new BinaryExpression(op.Line, op.Column, op.Text, left, ParseConcat());
        }

        return left;
    }

    private JinjaExpression ParseConcat()
    {
        JinjaExpression left = ParseMath2();
        while (Current.IsOperator("~"))
        {
            JinjaToken op = Next();
            left = new BinaryExpression(op.Line, op.Column, "~", left, ParseMath2());
        }

        return left;
    }

    private JinjaExpression ParseMath2()
    {
        JinjaExpression left = ParsePow();
        while (Current.Kind == JinjaTokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            JinjaToken op = Next();
            left = new BinaryExpression(op.Line, op.Column, op.Text, left, ParsePow());
        }

        return left;
    }

    private JinjaExpression ParsePow()
    {
        JinjaExpression left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            JinjaToken op = Next();
            left = new BinaryExpression(op.Line, op.Column, "**", left, ParseUnary(withFilter: true));
        }

        return left;
    }

    private JinjaExpression ParseUnary(bool withFilter)
    {
        JinjaToken start = Current;
        JinjaExpression expression;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            _index++;
            expression = new UnaryExpression(start.Line, start.Column, start.Text, ParseUnary(withFilter: false));
        }
        else
        {
            expression = ParsePrimary();
        }

        expression = ParsePostfix(expression);
        return withFilter ? ParseFilterChain(expression) : expression;
    }

    private JinjaExpression ParsePrimary()
    {
        JinjaToken token = Next();
        switch (token.Kind)
        {
            case JinjaTokenKind.Name:
                return token.Text switch
                {
                    "true" or "True" => new ConstantExpression(token.Line, token.Column, true),
                    "false" or "False" => new ConstantExpression(token.Line, token.Column, false),
                    "none" or "None" => new ConstantExpression(token.Line, token.Column, null),
                    _ => new NameExpression(token.Line, token.Column, token.Text),
                };
            case JinjaTokenKind.String:
                string text = token.Text;
                while (Current.Kind == JinjaTokenKind.String)
                {
                    text += Next().Text;
                }

                return new ConstantExpression(token.Line, token.Column, text);
            case JinjaTokenKind.Integer:
                return new ConstantExpression(token.Line, token.Column, long.Parse(token.Text, CultureInfo.InvariantCulture));
            case JinjaTokenKind.Float:
                return new ConstantExpression(token.Line, token.Column, double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture));
            case JinjaTokenKind.Operator when token.Text == "(":
                if (SkipOperator(")"))
                {
                    return new TupleExpression(token.Line, token.Column, []);
                }

                JinjaExpression inner = ParseTuple(withConditional: true);
                ExpectOperator(")");
                return inner;
            case JinjaTokenKind.Operator when token.Text == "[":
                var items = new List<JinjaExpression>();
                while (!SkipOperator("]"))
                {
                    if (items.Count > 0)
                    {
                        ExpectOperator(",");
                        if (SkipOperator("]"))
                        {
                            break;
                        }
                    }

                    items.Add(ParseExpression());
                }

                return new ListExpression(token.Line, token.Column, items);
            case JinjaTokenKind.Operator when token.Text == "{":
                var pairs = new List<(JinjaExpression, JinjaExpression)>();
                while (!SkipOperator("}"))
                {
                    if (pairs.Count > 0)
                    {
                        ExpectOperator(",");
                        if (SkipOperator("}"))
                        {
                            break;
                        }
                    }

                    JinjaExpression key = ParseExpression();
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression()));
                }

                return new DictExpression(token.Line, token.Column, pairs);
            default:
                throw Error($"unexpected {Describe(token)}", token);
        }
    }

    private JinjaExpression ParsePostfix(JinjaExpression expression)
    {
        while (true)
        {
            JinjaToken token = Current;
            if (SkipOperator("."))
            {
                JinjaToken name = Next();
                if (name.Kind == JinjaTokenKind.Integer)
                {
                    expression = new ItemExpression(token.Line, token.Column, expression, new ConstantExpression(name.Line, name.Column, long.Parse(name.Text, CultureInfo.InvariantCulture)));
                }
                else if (name.Kind == JinjaTokenKind.Name)
                {
                    expression = new AttributeExpression(token.Line, token.Column, expression, name.Text);
                }
                else
                {
                    throw Error("expected name or number", name);
                }
            }
            else if (SkipOperator("["))
            {
                expression = new ItemExpression(token.Line, token.Column, expression, ParseSubscript());
            }
            else if (Current.IsOperator("("))
            {
                expression = new CallExpression(token.Line, token.Column, expression, ParseArguments());
            }
            else
            {
                return expression;
            }
        }
    }

    private JinjaExpression ParseSubscript()
    {
        JinjaToken start = Current;
        var parts = new JinjaExpression?[3];
        int part = 0;
        bool slice = false;
        while (!SkipOperator("]"))
        {
            if (SkipOperator(":"))
            {
                slice = true;
                if (++part > 2)
                {
                    throw Error("too many ':' in a slice");
                }

                continue;
            }

            parts[part] = ParseExpression();
        }

        if (!slice)
        {
            return parts[0] ?? throw Error("expected a subscript", start);
        }

        return new SliceExpression(start.Line, start.Column, parts[0], parts[1], parts[2]);
    }

    private JinjaArguments ParseArguments()
    {
        ExpectOperator("(");
        var positional = new List<JinjaExpression>();
        var keywords = new List<(string, JinjaExpression)>();
        while (!SkipOperator(")"))
        {
            if (positional.Count + keywords.Count > 0)
            {
                ExpectOperator(",");
                if (SkipOperator(")"))
                {
                    break;
                }
            }

            if (Current.IsOperator("*") || Current.IsOperator("**"))
            {
                throw Error("*args and **kwargs in calls are not supported by FastDraft's chat template interpreter");
            }

            if (Current.Kind == JinjaTokenKind.Name && Peek().IsOperator("="))
            {
                string name = Next().Text;
                _index++;
                keywords.Add((name, ParseExpression()));
            }
            else
            {
                if (keywords.Count > 0)
                {
                    throw Error("positional argument follows keyword argument");
                }

                positional.Add(ParseExpression());
            }
        }

        return new JinjaArguments(positional, keywords);
    }

    private JinjaExpression ParseFilterChain(JinjaExpression expression)
    {
        while (true)
        {
            if (SkipOperator("|"))
            {
                expression = ParseFilter(expression);
            }
            else if (Current.IsName("is"))
            {
                expression = ParseTest(expression);
            }
            else if (Current.IsOperator("("))
            {
                JinjaToken at = Current;
                expression = new CallExpression(at.Line, at.Column, expression, ParseArguments());
            }
            else
            {
                return expression;
            }
        }
    }

    private FilterExpression ParseFilter(JinjaExpression? target)
    {
        JinjaToken name = Expect(JinjaTokenKind.Name);
        string full = name.Text;
        while (Current.IsOperator(".") && Peek().Kind == JinjaTokenKind.Name)
        {
            _index++;
            full += "." + Next().Text;
        }

        JinjaArguments arguments = Current.IsOperator("(") ? ParseArguments() : JinjaArguments.None;
        return new FilterExpression(name.Line, name.Column, target, full, arguments);
    }

    private JinjaExpression ParseTest(JinjaExpression target)
    {
        JinjaToken at = Next();
        bool negated = SkipName("not");
        JinjaToken name = Expect(JinjaTokenKind.Name);
        string full = name.Text;
        while (Current.IsOperator(".") && Peek().Kind == JinjaTokenKind.Name)
        {
            _index++;
            full += "." + Next().Text;
        }

        JinjaArguments arguments = JinjaArguments.None;
        if (Current.IsOperator("("))
        {
            arguments = ParseArguments();
        }
        else if ((Current.Kind is JinjaTokenKind.Name or JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
            || Current.IsOperator("[") || Current.IsOperator("{"))
            && !(Current.Kind == JinjaTokenKind.Name && Current.Text is "else" or "or" or "and"))
        {
            if (Current.IsName("is"))
            {
                throw Error("You cannot chain multiple tests with is");
            }

            arguments = new JinjaArguments([ParsePostfix(ParsePrimary())], []);
        }

        JinjaExpression test = new TestExpression(name.Line, name.Column, target, full, arguments);
        return negated ? new UnaryExpression(at.Line, at.Column, "not", test) : test;
    }
}
