#!/usr/bin/env python3
"""Per-file summary of a cargo-mutants run, in the form of its summary line.

    scripts/mutants_by_file.py target/mutants/FILE/mutants.out/outcomes.json

One cargo-mutants run over several files (--re 'A|B') prints one summary
line for all; this splits it by file (docs/mutants.md).
"""
import json, sys, collections
d = json.load(open(sys.argv[1]))
per = collections.defaultdict(collections.Counter)
for o in d["outcomes"]:
    sc = o["scenario"]
    if not isinstance(sc, dict):
        continue
    per[sc["Mutant"]["file"]][o["summary"]] += 1
names = {"MissedMutant": "missed", "CaughtMutant": "caught", "Unviable": "unviable", "Timeout": "timeouts"}
for f, c in sorted(per.items()):
    n = sum(c.values())
    parts = [f"{c[k]} {v}" for k, v in names.items() if c[k]]
    print(f"{f}: {n} mutants tested: {', '.join(parts)}")
