using System.Text;

namespace FastDraft.Text.Jinja;

/// <summary>Renders parsed statements: text, output, blocks and loops; expressions are in the other part of this class.</summary>
internal sealed partial class JinjaRenderer
{
    private readonly Func<DateTime> _now;

    public JinjaRenderer(Func<DateTime> now) => _now = now;

    public string Render(IReadOnlyList<JinjaStatement> template, IReadOnlyDictionary<string, object?> variables)
    {
        var root = new JinjaScope(Globals());
        foreach ((string name, object? value) in variables)
        {
            root.Set(name, value);
        }

        var output = new StringBuilder();
        if (RenderBody(template, new JinjaScope(root), output) != JinjaSignal.None)
        {
            throw new JinjaException("TemplateSyntaxError: break or continue outside a loop");
        }

        return output.ToString();
    }

    private JinjaScope Globals()
    {
        var globals = new JinjaScope(null);
        globals.Set("range", new JinjaFunction("range", (a, _) => Range(a)));
        globals.Set("namespace", new JinjaFunction("namespace", (a, k) =>
        {
            var ns = new JinjaNamespace();
            if (a.Count > 0 && a[0] is OrderedDictionary<object, object?> initial)
            {
                foreach ((object key, object? value) in initial)
                {
                    ns.Attributes[JinjaValues.ToStr(key)] = value;
                }
            }

            foreach ((string key, object? value) in k)
            {
                ns.Attributes[key] = value;
            }

            return ns;
        }));
        globals.Set("dict", new JinjaFunction("dict", (_, k) =>
        {
            var dict = JinjaValues.NewDict();
            foreach ((string key, object? value) in k)
            {
                dict[key] = value;
            }

            return dict;
        }));
        globals.Set("raise_exception", new JinjaFunction("raise_exception", (a, _) =>
            throw new JinjaException(a.Count > 0 ? JinjaValues.ToStr(a[0]) : string.Empty, raisedByTemplate: true)));
        globals.Set("strftime_now", new JinjaFunction("strftime_now", (a, _) =>
            PythonText.Strftime(_now(), a.Count > 0 && a[0] is string format ? format : throw JinjaValues.TypeError("strftime_now() needs a format string"))));
        return globals;
    }

    private static List<object?> Range(IReadOnlyList<object?> a)
    {
        (long start, long stop, long step) = a.Count switch
        {
            1 => (0L, JinjaValues.AsLong(a[0]), 1L),
            2 => (JinjaValues.AsLong(a[0]), JinjaValues.AsLong(a[1]), 1L),
            3 => (JinjaValues.AsLong(a[0]), JinjaValues.AsLong(a[1]), JinjaValues.AsLong(a[2])),
            _ => throw JinjaValues.TypeError($"range expected 1 to 3 arguments, got {a.Count}"),
        };
        if (step == 0)
        {
            throw new JinjaException("ValueError: range() arg 3 must not be zero");
        }

        var items = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            // The sandbox's limit (MAX_RANGE).
            if (items.Count >= 100_000)
            {
                throw new JinjaException("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            }

            items.Add(i);
        }

        return items;
    }

    private JinjaSignal RenderBody(IReadOnlyList<JinjaStatement> body, JinjaScope scope, StringBuilder output)
    {
        foreach (JinjaStatement statement in body)
        {
            JinjaSignal signal;
            try
            {
                signal = RenderStatement(statement, scope, output);
            }
            catch (JinjaException e)
            {
                throw e.At(statement.Line, statement.Column);
            }

            if (signal != JinjaSignal.None)
            {
                return signal;
            }
        }

        return JinjaSignal.None;
    }

    private JinjaSignal RenderStatement(JinjaStatement statement, JinjaScope scope, StringBuilder output)
    {
        switch (statement)
        {
            case TextStatement text:
                output.Append(text.Text);
                return JinjaSignal.None;
            case OutputStatement print:
                output.Append(JinjaValues.ToStr(Evaluate(print.Expression, scope)));
                return JinjaSignal.None;
            case IfStatement conditional:
                foreach ((JinjaExpression test, IReadOnlyList<JinjaStatement> branch) in conditional.Branches)
                {
                    if (JinjaValues.IsTrue(Evaluate(test, scope)))
                    {
                        return RenderBody(branch, scope, output);
                    }
                }

                return RenderBody(conditional.Else, scope, output);
            case ForStatement loop:
                RenderFor(loop, scope, output);
                return JinjaSignal.None;
            case SetStatement set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return JinjaSignal.None;
            case BlockSetStatement blockSet:
                var captured = new StringBuilder();
                RenderBody(blockSet.Body, new JinjaScope(scope), captured);
                object? value = captured.ToString();
                Assign(blockSet.Target, blockSet.Filter is null ? value : ApplyFilterChain(blockSet.Filter, value, scope), scope);
                return JinjaSignal.None;
            case MacroStatement macro:
                scope.Set(macro.Name, Macro(macro.Name, macro.Parameters, macro.Defaults, macro.Body, scope));
                return JinjaSignal.None;
            case CallBlockStatement callBlock:
                JinjaFunction caller = Macro("caller", callBlock.CallerParameters, callBlock.CallerDefaults, callBlock.Body, scope);
                output.Append(JinjaValues.ToStr(Call(callBlock.Call, scope, caller)));
                return JinjaSignal.None;
            case FilterBlockStatement filterBlock:
                var filtered = new StringBuilder();
                RenderBody(filterBlock.Body, new JinjaScope(scope), filtered);
                output.Append(JinjaValues.ToStr(ApplyFilterChain(filterBlock.Filter, filtered.ToString(), scope)));
                return JinjaSignal.None;
            case ScopeStatement block:
                return RenderBody(block.Body, new JinjaScope(scope), output);
            case LoopControlStatement control:
                return control.IsBreak ? JinjaSignal.Break : JinjaSignal.Continue;
            default:
                throw new JinjaException($"unsupported statement {statement.GetType().Name}");
        }
    }

    private void RenderFor(ForStatement loop, JinjaScope scope, StringBuilder output)
    {
        object? iterable = Evaluate(loop.Iterable, scope);
        IReadOnlyList<object?> items = JinjaValues.Items(iterable);
        if (loop.Filter is not null)
        {
            // The filter sees the loop variables but not `loop` (jinja2 filters before counting).
            items = [.. items.Where(item =>
            {
                var test = new JinjaScope(scope);
                Assign(loop.Target, item, test);
                return JinjaValues.IsTrue(Evaluate(loop.Filter, test));
            })];
        }

        if (items.Count == 0)
        {
            RenderBody(loop.Else, scope, output);
            return;
        }

        int depth0 = scope.TryGet("loop", out object? outer) && outer is JinjaLoop ? 1 : 0;
        var context = new JinjaLoop(items, depth0);
        for (int i = 0; i < items.Count; i++)
        {
            context.Index0 = i;
            var iteration = new JinjaScope(scope);
            iteration.Set("loop", context);
            Assign(loop.Target, items[i], iteration);
            if (RenderBody(loop.Body, iteration, output) == JinjaSignal.Break)
            {
                break;
            }
        }
    }

    private static void Assign(JinjaTarget target, object? value, JinjaScope scope)
    {
        if (target.Attribute is { } attribute)
        {
            if (!scope.TryGet(target.Names[0], out object? ns) || ns is not JinjaNamespace space)
            {
                throw new JinjaException("TemplateRuntimeError: cannot assign attribute on non-namespace object");
            }

            space.Attributes[attribute] = value;
            return;
        }

        if (!target.Unpacks)
        {
            scope.Set(target.Names[0], value);
            return;
        }

        IReadOnlyList<object?> items = JinjaValues.Items(value);
        if (items.Count != target.Names.Count)
        {
            throw new JinjaException(items.Count > target.Names.Count
                ? $"ValueError: too many values to unpack (expected {target.Names.Count})"
                : $"ValueError: not enough values to unpack (expected {target.Names.Count}, got {items.Count})");
        }

        for (int i = 0; i < items.Count; i++)
        {
            scope.Set(target.Names[i], items[i]);
        }
    }

    /// <summary>A macro (or a call block's <c>caller</c>): a function that renders its body in a frame over the defining one.</summary>
    private JinjaFunction Macro(string name, IReadOnlyList<string> parameters, IReadOnlyList<JinjaExpression?> defaults, IReadOnlyList<JinjaStatement> body, JinjaScope definedIn) =>
        new(name, (args, kwargs) =>
        {
            var frame = new JinjaScope(definedIn);
            var extraKeywords = JinjaValues.NewDict();
            for (int i = 0; i < parameters.Count; i++)
            {
                object? value = i < args.Count ? args[i]
                    : kwargs.TryGetValue(parameters[i], out object? keyword) ? keyword
                    : defaults[i] is { } fallback ? Evaluate(fallback, frame)
                    : new JinjaUndefined($"parameter '{parameters[i]}' was not provided");
                frame.Set(parameters[i], value);
            }

            foreach ((string key, object? value) in kwargs)
            {
                if (key == "caller")
                {
                    frame.Set("caller", value);
                }
                else if (!parameters.Contains(key))
                {
                    extraKeywords[key] = value;
                }
            }

            frame.Set("varargs", args.Count > parameters.Count ? args.Skip(parameters.Count).ToArray() : Array.Empty<object?>());
            frame.Set("kwargs", extraKeywords);
            var text = new StringBuilder();
            RenderBody(body, frame, text);
            return text.ToString();
        });
}
