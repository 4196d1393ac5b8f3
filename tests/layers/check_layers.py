#!/usr/bin/env python3
"""Checks that every #include in src/ follows the layer map in docs/architecture.md.

A layer may include itself, the layers its row names under "may use", and what those
may use in turn (the map is transitive: sfu uses webrtc, webrtc uses net). Prints one
line per offending include and exits 1 if there is any.
"""
import pathlib
import re
import sys

repo = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
doc = (repo / "docs/architecture.md").read_text(encoding="utf-8")

direct = {}
for line in doc.splitlines():
    m = re.match(r"^\| (\w+) \| `src/(\w+)/` \|.*\| ([^|]+) \|$", line)
    if not m:
        continue
    layer, uses = m.group(2), m.group(3).strip()
    if uses.startswith("std only"):
        direct[layer] = set()
    elif uses.startswith("everything"):
        direct[layer] = None  # resolved below
    else:
        direct[layer] = {u.strip() for u in uses.split(",")}

if not direct:
    sys.exit("check_layers: no layer table found in docs/architecture.md")

order = list(direct)
for i, layer in enumerate(order):
    if direct[layer] is None:  # "everything below": every layer listed before it
        direct[layer] = set(order[:i])


def closure(layer, seen=None):
    seen = set() if seen is None else seen
    for dep in direct.get(layer, ()):
        if dep not in seen:
            seen.add(dep)
            closure(dep, seen)
    return seen


allowed = {layer: closure(layer) | {layer, "util"} for layer in direct}
problems = []
for path in sorted((repo / "src").rglob("*")):
    if path.suffix not in (".h", ".cc"):
        continue
    layer = path.relative_to(repo / "src").parts[0]
    if layer not in allowed:
        problems.append(f"{path.relative_to(repo)}: layer '{layer}' is not in the map")
        continue
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r'\s*#\s*include\s+"(\w+)/', text)
        if m and m.group(1) in direct and m.group(1) not in allowed[layer]:
            problems.append(f"{path.relative_to(repo)}:{n}: {layer} may not include {m.group(1)}/")

for p in problems:
    print(p)
print(f"check_layers: {len(direct)} layers, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
