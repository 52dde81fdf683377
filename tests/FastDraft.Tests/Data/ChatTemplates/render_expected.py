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


def main():
    env = environment()
    conversations = {os.path.splitext(os.path.basename(p))[0]: load(p) for p in sorted(glob.glob(os.path.join(HERE, "conversations", "*.json")))}
    for path in sorted(glob.glob(os.path.join(HERE, "templates", "*.jinja"))):
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
