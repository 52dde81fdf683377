namespace FastDraft.Text.Jinja;

/// <summary>Evaluates expressions; an error is tagged with the position of the innermost expression that raised it.</summary>
internal sealed partial class JinjaRenderer
{
    public object? Evaluate(JinjaExpression expression, JinjaScope scope)
    {
        try
        {
            return EvaluateCore(expression, scope);
        }
        catch (JinjaException e)
        {
            throw e.At(expression.Line, expression.Column);
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            throw new JinjaException($"{e.GetType().Name}: {e.Message}", expression.Line, expression.Column);
        }
    }

    private object? EvaluateCore(JinjaExpression expression, JinjaScope scope)
    {
        switch (expression)
        {
            case ConstantExpression constant:
                return constant.Value;
            case NameExpression name:
                return scope.TryGet(name.Name, out object? value) ? value : new JinjaUndefined($"'{name.Name}' is undefined");
            case AttributeExpression attribute:
                return JinjaAccess.Attribute(Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpression item when item.Index is SliceExpression slice:
                return JinjaAccess.Slice(
                    Evaluate(item.Target, scope),
                    slice.Start is null ? null : Evaluate(slice.Start, scope),
                    slice.Stop is null ? null : Evaluate(slice.Stop, scope),
                    slice.Step is null ? null : Evaluate(slice.Step, scope));
            case ItemExpression item:
                return JinjaAccess.Item(Evaluate(item.Target, scope), Evaluate(item.Index, scope));
            case CallExpression call:
                return Call(call, scope, null);
            case FilterExpression filter:
                return ApplyFilterChain(filter, null, scope);
            case TestExpression test:
                return JinjaTests.Apply(this, test.Name, Evaluate(test.Target, scope), Arguments(test.Arguments, scope, out var testKeywords), testKeywords);
            case UnaryExpression unary:
                object? operand = Evaluate(unary.Operand, scope);
                return unary.Operator switch
                {
                    "not" => !JinjaValues.IsTrue(operand),
                    "-" => JinjaValues.Negate(operand),
                    _ => JinjaValues.IsNumber(operand) ? operand : throw JinjaValues.TypeError($"bad operand type for unary +: '{JinjaValues.TypeName(operand)}'"),
                };
            case BinaryExpression binary:
                return Binary(binary, scope);
            case CompareExpression compare:
                return Compare(compare, scope);
            case ConditionalExpression conditional:
                return JinjaValues.IsTrue(Evaluate(conditional.Test, scope)) ? Evaluate(conditional.Then, scope)
                    : conditional.Else is null ? new JinjaUndefined("the inline if expression evaluated to false and no else section was defined")
                    : Evaluate(conditional.Else, scope);
            case ListExpression list:
                return new List<object?>(list.Items.Select(x => Evaluate(x, scope)));
            case TupleExpression tuple:
                return tuple.Items.Select(x => Evaluate(x, scope)).ToArray();
            case DictExpression dict:
                var result = JinjaValues.NewDict();
                foreach ((JinjaExpression key, JinjaExpression entry) in dict.Pairs)
                {
                    result[Evaluate(key, scope) ?? throw new JinjaException("None as a dict key is not supported by FastDraft's chat template interpreter")] = Evaluate(entry, scope);
                }

                return result;
            default:
                throw new JinjaException($"unsupported expression {expression.GetType().Name}");
        }
    }

    private object? Binary(BinaryExpression binary, JinjaScope scope)
    {
        object? left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return JinjaValues.IsTrue(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return JinjaValues.IsTrue(left) ? left : Evaluate(binary.Right, scope);
        }

        object? right = Evaluate(binary.Right, scope);
        return binary.Operator switch
        {
            "~" => JinjaValues.ToStr(left) + JinjaValues.ToStr(right),
            "+" => JinjaValues.Add(left, right),
            _ => JinjaValues.Arithmetic(binary.Operator, left, right),
        };
    }

    private bool Compare(CompareExpression compare, JinjaScope scope)
    {
        object? left = Evaluate(compare.First, scope);
        foreach ((string op, JinjaExpression operand) in compare.Rest)
        {
            object? right = Evaluate(operand, scope);
            bool holds = op switch
            {
                "==" => JinjaValues.AreEqual(left, right),
                "!=" => !JinjaValues.AreEqual(left, right),
                "in" => JinjaValues.Contains(right, left),
                "not in" => !JinjaValues.Contains(right, left),
                "<" => JinjaValues.Compare(left, right, op) < 0,
                "<=" => JinjaValues.Compare(left, right, op) <= 0,
                ">" => JinjaValues.Compare(left, right, op) > 0,
                _ => JinjaValues.Compare(left, right, op) >= 0,
            };
            if (!holds)
            {
                return false;
            }

            left = right;
        }

        return true;
    }

    private object? Call(CallExpression call, JinjaScope scope, JinjaFunction? caller)
    {
        object? callee = Evaluate(call.Callee, scope);
        List<object?> args = Arguments(call.Arguments, scope, out Dictionary<string, object?> keywords);
        if (caller is not null)
        {
            keywords["caller"] = caller;
        }

        return callee switch
        {
            JinjaFunction function => function.Invoke(args, keywords),
            JinjaUndefined undefined => throw undefined.Fail(),
            _ => throw JinjaValues.TypeError($"'{JinjaValues.TypeName(callee)}' object is not callable"),
        };
    }

    private List<object?> Arguments(JinjaArguments arguments, JinjaScope scope, out Dictionary<string, object?> keywords)
    {
        keywords = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string name, JinjaExpression value) in arguments.Keywords)
        {
            keywords[name] = Evaluate(value, scope);
        }

        return [.. arguments.Positional.Select(x => Evaluate(x, scope))];
    }

    /// <summary>Applies a filter (and the filters before it in a chain); <paramref name="input"/> feeds a chain without a target (filter blocks).</summary>
    private object? ApplyFilterChain(FilterExpression filter, object? input, JinjaScope scope)
    {
        object? value = filter.Target switch
        {
            null => input,
            FilterExpression inner when inner.Target is null || input is not null => ApplyFilterChain(inner, input, scope),
            _ => Evaluate(filter.Target, scope),
        };
        try
        {
            return JinjaFilters.Apply(this, filter.Name, value, Arguments(filter.Arguments, scope, out var keywords), keywords);
        }
        catch (JinjaException e)
        {
            throw e.At(filter.Line, filter.Column);
        }
    }
}
