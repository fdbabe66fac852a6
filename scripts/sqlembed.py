#!/usr/bin/env python3
"""sqlembed: compiles the SQL that lives as .sql files in lib/store/sql/
into C, at build time.

- fragments.sql holds "@define NAME(params)" blocks: SQL expressions shared
  by the views and the reports (one definition each).
- views.sql holds every view: "CREATE VIEW name AS ..." statements, each
  ending with ";" on its line, which may use fragments as @NAME(args).

Writes VIEWS_C (rc_views[] and rc_nviews: each view's statement with every
fragment expanded; the comments before a statement stay in the file, those
inside it stay in the statement, so .schema shows them; and rc_views_sha256,
the SHA-256 of the statements, each followed by a NUL, which a database
records to know which views it has) and FRAGMENTS_H
(each fragment as a C string macro RC_SQL_NAME(...) whose arguments are
string literals, for the C code of the reports).

Usage: sqlembed.py FRAGMENTS.sql VIEWS.sql VIEWS_C FRAGMENTS_H
"""
import hashlib
import os
import re
import sys

WORD = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


def fail(where, msg):
    sys.exit(f'sqlembed: {where}: {msg}')


def split_quoted(text):
    """Pieces of text, each (is_opaque, piece): SQL string literals and
    "--" comments apart, so that nothing in them is taken for a word."""
    out, i, start = [], 0, 0
    while i < len(text):
        end = opaque_end(text, i)
        if end == i:
            i += 1
            continue
        out.append((False, text[start:i]))
        out.append((True, text[i:end]))
        i = start = end
    out.append((False, text[start:]))
    return out


def substitute(body, params, args):
    """body with each whole-word parameter (outside literals) replaced."""
    table = dict(zip(params, args))
    res = []
    for quoted, piece in split_quoted(body):
        res.append(piece if quoted else
                   WORD.sub(lambda m: table.get(m.group(0), m.group(0)), piece))
    return ''.join(res)


def call_args(text, start, where):
    """Arguments of the call whose '(' is at text[start]; returns (args, end)."""
    depth, quote, args, cur = 0, False, [], []
    i = start
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == "'":
                quote = False
        elif c == "'":
            quote = True
            cur.append(c)
        elif c == '(':
            depth += 1
            if depth > 1:
                cur.append(c)
        elif c == ')':
            depth -= 1
            if depth == 0:
                args.append(''.join(cur).strip())
                return args, i + 1
            cur.append(c)
        elif c == ',' and depth == 1:
            args.append(''.join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    fail(where, 'unbalanced parentheses in a fragment call')


def opaque_end(text, i):
    """The end of the string literal or "--" comment starting at text[i],
    or i when none starts there."""
    if text.startswith('--', i):
        j = text.find('\n', i)
        return len(text) if j < 0 else j
    if text[i] == "'":
        j = i + 1
        while j < len(text):
            if text[j] == "'":
                if j + 1 < len(text) and text[j + 1] == "'":
                    j += 2
                    continue
                return j + 1
            j += 1
        return len(text)
    return i


def expand(text, defs, where, depth=0):
    """text with every @NAME(args) replaced by the fragment, recursively;
    literals and comments are left alone."""
    if depth > 20:
        fail(where, 'fragments nest too deeply (a cycle?)')
    res, i, last = [], 0, 0
    while i < len(text):
        end = opaque_end(text, i)
        if end != i:
            i = end
            continue
        if text[i] != '@':
            i += 1
            continue
        m = WORD.match(text, i + 1)
        if not m or m.group(0) not in defs:
            fail(where, f'unknown fragment near {text[i:i + 30]!r}')
        name = m.group(0)
        params, body = defs[name]
        if m.end() >= len(text) or text[m.end()] != '(':
            fail(where, f'@{name} needs its arguments in parentheses')
        args, end = call_args(text, m.end(), where)
        if args == ['']:  # @NAME(): no arguments
            args = []
        if len(args) != len(params):
            fail(where, f'@{name} takes {len(params)} arguments, got {len(args)}')
        res.append(text[last:i])
        res.append(expand(substitute(body, params, args), defs, where, depth + 1))
        i = last = end
    res.append(text[last:])
    return ''.join(res)


def read_fragments(path):
    defs, name, params, body = {}, None, None, []

    def close():
        if name:
            defs[name] = (params, ' '.join(b.strip() for b in body if b.strip()))

    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        m = re.match(r'@define\s+([A-Z_][A-Z0-9_]*)\(([^)]*)\)\s*$', line)
        if m:
            close()
            name, body = m.group(1), []
            params = [p.strip() for p in m.group(2).split(',') if p.strip()]
            if name in defs:
                fail(f'{path}:{n}', f'@{name} defined twice')
        elif line.startswith('--') or not line.strip():
            if not line.strip():
                close()
                name = None
        elif name:
            body.append(line)
        else:
            fail(f'{path}:{n}', 'SQL outside an @define block')
    close()
    return defs


def read_views(path, defs):
    views, cur, start = [], [], 0
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        if not cur:
            if line.startswith('--') or not line.strip():
                continue
            if not line.startswith('CREATE VIEW '):
                fail(f'{path}:{n}', 'a statement must start with CREATE VIEW')
            start = n
        cur.append(line.rstrip('\n'))
        if line.rstrip().endswith(';') and not line.lstrip().startswith('--'):
            text = '\n'.join(cur)
            views.append(expand(text, defs, f'{path}:{start}'))
            cur = []
    if cur:
        fail(f'{path}:{start}', 'statement without its closing ";"')
    return views


def c_string(text):
    lines = text.split('\n')
    out = []
    for k, line in enumerate(lines):
        esc = line.replace('\\', '\\\\').replace('"', '\\"')
        out.append('    "' + esc + ('\\n' if k + 1 < len(lines) else '') + '"')
    return '\n'.join(out)


def c_macro(name, params, body):
    """The fragment as a C macro of string literals: each parameter becomes
    the argument's literal, pasted between the pieces."""
    pieces = []
    for quoted, piece in split_quoted(body):
        if quoted:
            pieces.append(('s', piece))
            continue
        last = 0
        for m in WORD.finditer(piece):
            if m.group(0) in params:
                pieces.append(('s', piece[last:m.start()]))
                pieces.append(('p', m.group(0)))
                last = m.end()
        pieces.append(('s', piece[last:]))
    parts, lit = [], ''
    for kind, v in pieces:
        if kind == 's':
            lit += v
        else:
            parts.append('"' + lit.replace('\\', '\\\\').replace('"', '\\"') + '"')
            parts.append(v)
            lit = ''
    parts.append('"' + lit.replace('\\', '\\\\').replace('"', '\\"') + '"')
    parts = [p for p in parts if p != '""'] or ['""']
    return f'#define RC_SQL_{name}({", ".join(params)}) ' + ' '.join(parts)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    frag_path, views_path, views_c, frag_h = sys.argv[1:]
    defs = read_fragments(frag_path)
    views = read_views(views_path, defs)
    if not views:
        fail(views_path, 'no views')
    with open(views_c + '.tmp', 'w', encoding='utf-8') as f:
        f.write('/* Generated by scripts/sqlembed.py from lib/store/sql/views.sql and\n'
                ' * fragments.sql. Do not edit. */\n#include <stddef.h>\n\n'
                'const char *const rc_views[] = {\n')
        for v in views:
            f.write(c_string(v) + ',\n')
        f.write('};\nconst size_t rc_nviews = sizeof rc_views / sizeof rc_views[0];\n')
        digest = hashlib.sha256(b''.join(v.encode('utf-8') + b'\0' for v in views)).hexdigest()
        f.write(f'const char rc_views_sha256[] = "{digest}";\n')
    with open(frag_h + '.tmp', 'w', encoding='utf-8') as f:
        f.write('/* Generated by scripts/sqlembed.py from lib/store/sql/fragments.sql.\n'
                ' * Do not edit. */\n#ifndef RC_SQL_FRAGMENTS_H\n#define RC_SQL_FRAGMENTS_H\n\n')
        for name, (params, _) in defs.items():
            body = expand(defs[name][1], defs, f'{frag_path}: @{name}')
            f.write(c_macro(name, params, body) + '\n')
        f.write('\n#endif\n')
    for path in (views_c, frag_h):
        os.replace(path + '.tmp', path)


if __name__ == '__main__':
    main()
