#!/usr/bin/env python3
"""Checks the layering of lib/ (docs/ARCHITECTURE.md): each file includes
only headers of its own layer and of the layers its layer may call; no
include cycle between files; sqlite3.h (directly, or through any chain of
includes) only in store/ and in the adapters named below. Exits 1 and
names each violation. Run by make check (make lint)."""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib')

# The layers each layer may include, besides its own. recon.h, the public
# header, is open to all.
MAY_CALL = {
    'util': set(),
    'formats': {'util'},
    'profile': {'formats', 'util'},
    'errors': {'util'},
    'store': {'errors', 'util'},
    'ingest': {'store', 'profile', 'formats', 'errors', 'util'},
    'match': {'store', 'util'},
    'report': {'store', 'errors', 'util'},
}

# Outside store/, the files that read or write SQL: each layer's thin
# adapter between its decisions and the database.
ADAPTERS = {
    # ingest/rows.c and rows.h, the row decisions, are not adapters: the
    # check keeps them pure (tests/test_ingest_rows.c runs them without one).
    'ingest/ingest.c',
    'match/match.h', 'match/match.c', 'match/matchops.c', 'match/explain.c', 'match/review.c',
    'match/work.c', 'match/aliases.c', 'match/diff.c',
    'report/report.h', 'report/report.c', 'report/flows.c', 'report/report_html.c',
    'report/failures.c', 'report/listing.c', 'report/journal.c',
}

# Headers the build generates (build/gen/LAYER/...), by the layer they
# belong to.
GENERATED = {'store/sql_fragments.h'}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources():
    for layer in sorted(os.listdir(ROOT)):
        d = os.path.join(ROOT, layer)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(('.c', '.h')):
                yield layer, f'{layer}/{name}'


def main():
    problems = []
    graph = {}
    direct_sql = set()
    for layer, rel in sources():
        if layer not in MAY_CALL:
            problems.append(f'lib/{rel}: layer {layer} is not in the table of scripts/check-layers.py')
            continue
        text = open(os.path.join(ROOT, rel), encoding='utf-8').read()
        graph[rel] = []
        for kind, inc in INCLUDE.findall(text):
            if kind == '<' and inc == 'sqlite3.h':
                direct_sql.add(rel)
            if kind == '<' or inc == 'recon.h':
                continue
            target = inc.split('/')[0]
            if inc in GENERATED:
                continue
            if '/' not in inc or not os.path.exists(os.path.join(ROOT, inc)):
                problems.append(f'lib/{rel}: "{inc}" is not a lib/LAYER/header.h path')
                continue
            graph[rel].append(inc)
            if target != layer and target not in MAY_CALL[layer]:
                problems.append(f'lib/{rel}: includes {inc}: {layer} may not call {target} '
                                f'(it may call: {", ".join(sorted(MAY_CALL[layer])) or "nothing"})')
    # SQL reaches a file through any header it includes, however deep.
    def reaches_sql(node, seen):
        if node in direct_sql:
            return True
        seen.add(node)
        return any(reaches_sql(n, seen) for n in graph.get(node, []) if n not in seen)

    for rel in sorted(graph):
        if not rel.startswith('store/') and rel not in ADAPTERS and reaches_sql(rel, set()):
            problems.append(f'lib/{rel}: reaches sqlite3.h through its includes: only store/ '
                            'and the named adapters touch SQL')
    # Cycles among the files' includes.
    state = {}

    def visit(node, path):
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                problems.append('include cycle: ' + ' -> '.join(cycle))
            elif not state.get(nxt):
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if not state.get(node):
            visit(node, [node])
    for p in problems:
        print(p)
    files = len(graph)
    print(f'layers: {files} files checked, {len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
