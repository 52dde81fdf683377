#!/usr/bin/env python3
"""Renders every template in templates/ with every conversation in conversations/ (generation prompt on and off)
through Python's jinja2, configured as Hugging Face transformers configures it, into expected/<template>.json.

    python3 render_expected.py        # from this folder; needs jinja2 (3.1.x)

The C# suite (ChatTemplateSuiteTests) renders the same pairs and compares the strings exactly; where jinja2 raises,
the C# side must throw too (and, for raise_exception, with the same message).
"""
import datetime
import glob
import json
import os

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
# The clock strftime_now reads, fixed so that templates that print today's date render the same every day.
FIXED_NOW = datetime.datetime(2024, 9, 26, 14, 30, 5)


class GenerationTracker(Extension):
    """transformers' AssistantTracker: {% generation %}...{% endgeneration %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers' override: no HTML escaping, and indent/separators/sort_keys exposed.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return FIXED_NOW.strftime(format)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def render(env, source, special_tokens, conversation, add_generation_prompt):
    try:
        template = env.from_string(source)
        variables = dict(special_tokens)
        variables.update(conversation.get("variables", {}))
        # As transformers' apply_chat_template: tools and documents are always passed, None when absent.
        text = template.render(
            messages=conversation["messages"],
            tools=conversation.get("tools"),
            documents=conversation.get("documents"),
            add_generation_prompt=add_generation_prompt,
            **variables,
        )
        return {"text": text}
    except jinja2.exceptions.TemplateError as e:
        if type(e) is jinja2.exceptions.TemplateError:
            return {"error": "raise_exception", "message": str(e)}
        return {"error": type(e).__name__, "message": str(e)}
    except Exception as e:  # TypeError and the like: the template cannot render this conversation.
        return {"error": type(e).__name__, "message": str(e)}


# Small templates, one construct each, with the variables they see: expected/constructs.json (ChatTemplateConstructTests).
CONSTRUCTS = [
    ("whitespace-trim-lstrip", "<a>\n  {% if true %}\n    x\n  {% endif %}\n</a>\n", {}),
    ("whitespace-minus", "a  {{- ' b ' -}}  c\n{%- if true -%}\n  d  \n{%- endif %}\n e", {}),
    ("whitespace-plus", "x\n  {%+ if true %}y{% endif %}\n", {}),
    ("whitespace-comment", "a\n  {# note #}\nb {#- tight -#} c", {}),
    ("trailing-newline", "line\n", {}),
    ("raw", "{% raw %}{{ not rendered }}{% endraw %}", {}),
    ("loop-vars", "{% for x in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}", {"items": ["a", "b", "c"]}),
    ("loop-prev-next-cycle", "{% for x in items %}[{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}:{{ loop.cycle('odd', 'even') }}]{% endfor %}", {"items": [1, 2, 3]}),
    ("loop-else-filter", "{% for x in items if x > 5 %}{{ x }}{% else %}none{% endfor %}|{% for x in items if x > 1 %}{{ loop.index }}{{ x }}{% endfor %}", {"items": [1, 2, 3]}),
    ("loop-break-continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("loop-unpack", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in d|items %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("loop-scope", "{% set x = 0 %}{% for i in [1, 2] %}[{{ x }}]{% set x = i %}{% endfor %}{{ x }}", {}),
    ("namespace", "{% set ns = namespace(n=0, seen=false) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}{{ ns.seen }}", {}),
    ("macro", "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ada') }} {{ greet('Bob', greeting='Hi') }} {{ greet('Cy', 'Yo') }}", {}),
    ("macro-call-block", "{% macro box(title) %}[{{ title }}: {{ caller() }}]{% endmacro %}{% call box('t') %}inside{% endcall %}", {}),
    ("set-block", "{% set text %}Hello {{ name }}{% endset %}{{ text | upper }}", {"name": "you"}),
    ("set-unpack", "{% set a, b = [1, 2] %}{{ b }}{{ a }}", {}),
    ("slices", "{{ s[1:] }}|{{ s[:-1] }}|{{ s[::-1] }}|{{ s[::2] }}|{{ items[-2:] }}|{{ items[::-1] }}|{{ s[10:] }}|{{ s[-100:2] }}", {"s": "abcdef", "items": [1, 2, 3, 4]}),
    ("item-vs-attribute", "{{ d.a }}{{ d['a'] }}{{ d.missing is defined }}{{ d['items'] }}{{ l[0] }}{{ l.0 }}{{ l[-1] }}{{ l[5] is defined }}", {"d": {"a": 1, "items": "key"}, "l": ["x", "y"]}),
    ("undefined", "[{{ nope }}][{{ nope is defined }}][{{ nope is undefined }}][{{ nope | length }}][{{ nope | default('d') }}][{% for x in nope %}x{% endfor %}][{{ 'a' in nope }}][{{ nope ~ 'c' }}][{% if not nope %}falsy{% endif %}]", {}),
    ("undefined-attribute-fails", "{{ nope.attr }}", {}),
    ("undefined-add-fails", "{{ nope + 'x' }}", {}),
    ("literals", "{{ [1, 'two', 3.0, none, true, False] }}|{{ {'k': [1, (2, 3)]} }}|{{ (1,) }}|{{ () }}|{{ 'it\\'s' }}|{{ \"say \\\"hi\\\"\" }}|{{ 1e3 }}|{{ 0.1 + 0.2 }}|{{ 10 / 4 }}|{{ 2 ** 0.5 }}", {}),
    ("string-escapes", "{{ 'tab\\tnew\\nline\\x41\\u00e9\\\\' }}", {}),
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 'ab' * 2 }} {{ [0] * 3 }} {{ -(3) }} {{ 1.5 + 1 }} {{ 3 - 5 }}", {}),
    ("comparisons", "{{ 1 == 1.0 }}{{ true == 1 }}{{ 'a' < 'b' }}{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ [1, 2] == [1, 2] }}{{ 'x' != 'y' }}{{ 'b' in 'abc' }}{{ 2 not in [1, 3] }}{{ 'k' in {'k': 1} }}", {}),
    ("logic", "{{ none or 'fallback' }}|{{ 0 and 'never' }}|{{ 'a' and 'b' }}|{{ not [] }}|{{ 'yes' if items else 'no' }}|{{ 'x' if false }}|{{ not none is none }}", {"items": []}),
    ("concat", "{{ 1 ~ 'a' ~ none ~ true ~ 2.5 ~ [1] }}", {}),
    ("tests", "{{ 'a' is string }}{{ 1 is number }}{{ 1.0 is float }}{{ 1 is integer }}{{ true is boolean }}{{ {} is mapping }}{{ 'a' is iterable }}{{ [] is sequence }}{{ none is none }}{{ 4 is even }}{{ 3 is odd }}{{ 9 is divisibleby 3 }}{{ 'x' is equalto 'x' }}{{ 2 is eq 2 }}{{ 'b' is in 'abc' }}{{ 'ab' is lower }}{{ x is not none }}", {"x": 1}),
    ("filters-text", "{{ '  pad  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'hELLo wORLD-x' | title }}|{{ 'hELLO' | capitalize }}|{{ 'Ab' | upper }}{{ 'Ab' | lower }}|{{ 'a-b-c' | replace('-', '+') }}|{{ 'a-b-c' | replace('-', '+', 1) }}|{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ '<&>' | e }}", {}),
    ("filters-sequences", "{{ items | length }}|{{ items | first }}|{{ items | last }}|{{ items | join(', ') }}|{{ items | reverse | list }}|{{ items | sort }}|{{ ['b', 'A', 'a', 'B'] | unique | list }}|{{ [3, 1, 2] | max }}{{ [3, 1, 2] | min }}{{ [1, 2, 3] | sum }}|{{ 'abc' | list }}|{{ items | count }}", {"items": [3, 1, 2]}),
    ("filters-attributes", "{{ people | map(attribute='name') | join(',') }}|{{ people | selectattr('age', 'gt', 30) | map(attribute='name') | list }}|{{ people | rejectattr('admin') | map(attribute='name') | list }}|{{ people | selectattr('admin') | list | length }}|{{ [1, 0, 2] | select | list }}|{{ [1, 2, 3, 4] | reject('even') | list }}|{{ ['a', 'b'] | map('upper') | list }}|{{ people | sort(attribute='age') | map(attribute='name') | first }}", {"people": [{"name": "Ann", "age": 40, "admin": True}, {"name": "Bo", "age": 25, "admin": False}, {"name": "Cy", "age": 33}]}),
    ("filters-conversion", "{{ '42' | int + 1 }}|{{ 3.9 | int }}|{{ 'x' | int }}|{{ '2.5' | float }}|{{ 7 | string ~ '!' }}|{{ none | string }}|{{ -3 | abs }}|{{ 2.567 | round(2) }}|{{ 2.5 | round }}|{{ {'b': 1, 'a': 2} | dictsort }}|{{ 'two words' | wordcount }}|{{ 'x' | default('y') }}|{{ '' | default('y', true) }}|{{ 'hi' | safe }}", {}),
    ("tojson", "{{ data | tojson }}|{{ data | tojson(indent=2) }}|{{ data | tojson(sort_keys=true) }}|{{ data | tojson(separators=(',', ':')) }}|{{ 'é\\u2028\\x01\"<' | tojson }}|{{ [1.0, 2.50, 1e20, 1e-7, 0.0001] | tojson }}", {"data": {"z": [1, {"y": None, "x": True}], "a": "Zürich \"q\"", "e": {}, "l": []}}),
    ("string-methods", "{{ '  s  '.strip() }}|{{ 'xxsxx'.strip('x') }}|{{ '  s'.lstrip() }}|{{ 's  '.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'abc'.startswith('a') }}{{ 'abc'.endswith(('x', 'c')) }}|{{ 'aBc'.upper() }}{{ 'aBc'.lower() }}|{{ 'a-a'.replace('a', 'b') }}|{{ 'hello world'.title() }}|{{ 'abc'.find('c') }}|{{ 'aaa'.count('a') }}|{{ ', '.join(['x', 'y']) }}", {}),
    ("dict-methods", "{{ d.get('a') }}{{ d.get('z') }}{{ d.get('z', 5) }}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.items() | list }}", {"d": {"a": 1, "b": 2}}),
    ("globals", "{{ range(3) | list }}{{ range(1, 7, 2) | list }}|{{ dict(a=1) }}|{{ strftime_now('%Y-%m-%d %H:%M:%S %a %A %b %B %j %p %y') }}|{{ namespace(x=1).x }}", {}),
    ("raise-exception", "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok", {"messages": [{"role": "system"}]}),
    ("type-error", "{{ 'a' + 1 }}", {}),
    ("unsafe-method", "{{ items.append(1) }}", {"items": []}),
    ("content-parts", "{% for m in messages %}{% if m.content is string %}{{ m.content }}{% else %}{% for p in m.content %}{% if p.type == 'text' %}{{ p.text }}{% endif %}{% endfor %}{% endif %};{% endfor %}", {"messages": [{"role": "user", "content": "plain"}, {"role": "user", "content": [{"type": "text", "text": "part 1 "}, {"type": "image"}, {"type": "text", "text": "part 2"}]}]}),
    ("generation-tag", "{% for m in messages %}{% generation %}{{ m.content }}{% set inner = 1 %}{% endgeneration %}{% endfor %}{{ inner is defined }}", {"messages": [{"content": "a"}, {"content": "b"}]}),
    ("filter-block", "{% filter upper %}shout {{ word }}{% endfilter %}", {"word": "this"}),
    ("if-elif-else", "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %},{% endfor %}", {}),
]


# Mixed constructs over one conversation with a tool call, as a template sees it (transformers' variables included).
MIXED_MESSAGES = [{"role":"system","content":"Sys"},{"role":"user","content":"Hi  "},{"role":"assistant","content":"Yo","tool_calls":[{"id":"c1","function":{"name":"f","arguments":{"a":1,"b":[1.5,"x"]}}}]},{"role":"tool","content":"42"}]
MIXED = [
 "{% for m in messages %}\n\t{% if m.role == 'user' %}\n\t\t{{ m.content }}\n\t{% endif %}\n{% endfor %}",
 "{%- for m in messages -%}\n  <{{ m.role }}>\n{%- endfor %}\n  {# c #}\nend",
 "{% macro f(a, b=a ~ '!') %}{{ a }}{{ b }}{% endmacro %}{{ f('x') }}{{ f('y', 'z') }}",
 "{% for m in messages if m.role != 'system' %}{{ loop.index }}/{{ loop.length }}{{ '.' if loop.last }}{% endfor %}",
 "{{ messages | map(attribute='role') | join('|') }}{{ messages | selectattr('tool_calls', 'defined') | list | length }}",
 "{{ messages[2].tool_calls[0].function.arguments | tojson }}{{ messages[2].tool_calls[0].function.arguments | tojson(indent=2) }}",
 "{% set x = messages | length %}{% if x > 3 and not (x is odd) %}even {{ x }}{% endif %}",
 "{{ messages[1]['content'] | trim ~ '|' ~ messages[1].content.rstrip() }}",
 "{% for k, v in messages[2].tool_calls[0].function.arguments.items() %}{{ k }}={{ v }}{% if not loop.last %}, {% endif %}{% endfor %}",
 "{{ (messages | last).content }}{{ (messages | first).role | upper }}",
 "{%- if tools is none -%}none{%- endif -%}{{ documents }}{{ add_generation_prompt }}",
 "  {% if true %}\n  a\n  {% endif %}\n  b\n{% raw %}  {{x}}  {% endraw %}",
 "{{ 'a' if messages else 'b' }}{{ messages[10] is defined }}{{ messages[-1].content }}",
 "{% set ns = namespace(items=[]) %}{% for m in messages %}{% set ns.items = ns.items + [m.role] %}{% endfor %}{{ ns.items }}",
 "{{ messages | selectattr('role', 'in', ['user', 'tool']) | map(attribute='content') | list }}",
 "{{ '{\"name\": \"' + messages[2].tool_calls[0].function.name + '\"}' }}",
 "{% for m in messages %}{% if m.role == 'assistant' %}{% for tc in m.tool_calls %}{{ tc.function.name }}({{ tc.function.arguments | tojson }}){% endfor %}{% endif %}{% endfor %}",
 "{{ messages | rejectattr('role', 'equalto', 'system') | list | count }}|{{ messages|length is divisibleby(2) }}",
 "{{ \"it's\" }}{{ 'say \"x\"' }}{{ ['it\\'s', \"q\\\"\"] }}",
 "{% if messages[0].role == 'system' %}{% set sys = messages[0].content %}{% set messages = messages[1:] %}{% endif %}{{ sys }}:{{ messages | length }}",
 "{{ 5 / 2 }} {{ 4 / 2 }} {{ 1e-5 }} {{ 123456789012345678 }} {{ 1.5e300 * 10 }} {{ 0.1 * 3 }}",
 "{{ messages[0] }}",
 "a\n{%- for m in messages %}\n  {{- m.role }}\n{% endfor -%}\nz",
 "{{ 'x' | indent(4, first=true) }}|{{ 'a\\nb' | indent('>>') }}",
 "{{ ['b', 'a', 'C'] | sort }}{{ ['b', 'a', 'C'] | sort(case_sensitive=true) }}{{ ['b','a'] | sort(reverse=true) | join }}",
]
CONSTRUCTS += [
    (f"mixed-{i:02d}", source, {"messages": MIXED_MESSAGES, "tools": None, "documents": None, "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>"})
    for i, source in enumerate(MIXED)
]


def render_constructs(env):
    cases = []
    for name, source, variables in CONSTRUCTS:
        case = {"name": name, "template": source, "variables": variables}
        try:
            case["text"] = env.from_string(source).render(**variables)
        except jinja2.exceptions.TemplateError as e:
            case["error"] = "raise_exception" if type(e) is jinja2.exceptions.TemplateError else type(e).__name__
            case["message"] = str(e)
        except Exception as e:
            case["error"] = type(e).__name__
            case["message"] = str(e)
        cases.append(case)
    with open(os.path.join(HERE, "expected", "constructs.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"constructs: {len(cases)} cases, {sum(1 for c in cases if 'error' in c)} errors")


def main():
    env = environment()
    render_constructs(env)
    conversations = {os.path.splitext(os.path.basename(p))[0]: load(p) for p in sorted(glob.glob(os.path.join(HERE, "conversations", "*.json")))}
    for path in sorted(glob.glob(os.path.join(HERE, "templates", "*.jinja"))):  # noqa: E501
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8", newline="") as f:
            source = f.read()
        special_tokens = load(os.path.splitext(path)[0] + ".json")["special_tokens"]
        expected = {}
        for conversation_name, conversation in conversations.items():
            for add_generation_prompt in (True, False):
                key = f"{conversation_name}|{'gen' if add_generation_prompt else 'nogen'}"
                expected[key] = render(env, source, special_tokens, conversation, add_generation_prompt)
        with open(os.path.join(HERE, "expected", name + ".json"), "w", encoding="utf-8", newline="\n") as f:
            json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
        errors = sum(1 for v in expected.values() if "error" in v)
        print(f"{name}: {len(expected)} renders, {errors} errors")


if __name__ == "__main__":
    main()
