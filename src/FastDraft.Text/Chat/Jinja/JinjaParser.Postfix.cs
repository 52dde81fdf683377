using System.Globalization;

namespace FastDraft.Text.Jinja;

/// <summary>What follows a primary expression: attributes, subscripts and slices, calls, filters and tests.</summary>
internal sealed partial class JinjaParser
{
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
