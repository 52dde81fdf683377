#!/usr/bin/env python3
"""Greedy acceptance of a draft by where in the context a generation happens, measured the way a user meets it:
the demo's `generate --json` (K = 4, adaptive below it), prompts cut from held-out files at several lengths.

usage: acceptance_by_position.py DEMO_DLL TARGET DRAFT HELDOUT_LIST [--prompts N] [--tokens T] [--lengths 100,180,300,400]
The tokenizer is byte-level (token = UTF-8 byte), so a prompt of L bytes is L tokens.
"""
import argparse, json, random, subprocess, sys

parser = argparse.ArgumentParser()
parser.add_argument("demo"); parser.add_argument("target"); parser.add_argument("draft"); parser.add_argument("heldout")
parser.add_argument("--prompts", type=int, default=8); parser.add_argument("--tokens", type=int, default=64)
parser.add_argument("--lengths", default="100,180,300,400"); parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()

stream = bytearray()
for path in open(args.heldout).read().split():
    stream += open(path, "rb").read() + b"\n"
random.seed(args.seed)
result = {}
for length in [int(x) for x in args.lengths.split(",")]:
    drafted = accepted = 0
    for _ in range(args.prompts):
        start = random.randrange(len(stream) - length)
        ids = ",".join(str(b) for b in stream[start:start + length])
        out = subprocess.run(["dotnet", args.demo, "generate", "--target", args.target, "--draft", args.draft, "--prompt-ids", ids,
                              "--max-new-tokens", str(args.tokens), "--draft-tokens", "4", "--ignore-eos", "--json"],
                             capture_output=True, text=True, check=True).stdout
        stats = json.loads(out.strip().splitlines()[-1])["stats"]
        drafted += stats["drafted"]; accepted += stats["accepted"]
    result[f"{length}-{length + args.tokens}"] = round(accepted / drafted, 3) if drafted else None
    print(f"positions {length}-{length + args.tokens}: acceptance {result[f'{length}-{length + args.tokens}']} ({accepted}/{drafted})", file=sys.stderr)
print(json.dumps(result))
