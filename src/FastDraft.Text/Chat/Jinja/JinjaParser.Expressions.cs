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
}
