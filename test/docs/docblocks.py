#!/usr/bin/env python3
"""The fenced blocks of docs/*.md, and the rule that ties every shell command in them to a test.

Convention (test/docs/README.md). A fenced block tagged `sh`, `bash`,
`shell` or `console` — or an untagged block whose first line looks like a command — is a command
block. The line right before its fence must be one of these HTML comments (invisible on GitHub):

  <!-- test: run ID -->                  a script of test/docs executes the block as written:
                                         ccache.* ccache.sh, recipe.* recipes.sh, demo.*
                                         run_demo.sh, the rest run_commands.sh
  <!-- test: elsewhere TEST[,TEST] -- why -->
                                         exercised by another ctest (each TEST must be registered
                                         in this build, or, with a trailing `?`, in some
                                         configuration: an add_test() pattern in test/ matches)
                                         or by a script file of the repository (a path)
  <!-- test: manual -- why -->           cannot run here (a remote backend, needs root ...)

Pages owned by others carry no markers; test/docs/external-markers.txt gives theirs.

  docblocks.py lint --root DIR [--build DIR [--ctest CTEST]]   check the rule; list what covers what
  docblocks.py extract --root DIR --id ID [--sub FROM=>TO]... [--commands|--output]
  docblocks.py ids --root DIR
  docblocks.py code --root DIR --after ID --lang L [--before]   the first L block after (before)
                                                                the block marked `run ID`
  docblocks.py compare EXPECTED ACTUAL          documented vs real output, numbers normalised
"""
import argparse
import glob
import os
import re
import subprocess
import sys

COMMAND_LANGS = {"sh", "bash", "shell", "console"}
MARKER = re.compile(r"^\s*<!--\s*test:\s*(\S+)\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
LOOKS_LIKE_COMMAND = re.compile(
    r"^\s*(\$ |sudo |\./|[A-Z_][A-Z0-9_]*=\S|(cmake|ctest|clang\+\+\S*|clang-\d+|g\+\+\S*|make|"
    r"autospan|autospan-rewrite|pkg-config|node|npm|nm|ldd|cd|git|apt-get|ccache|sccache|"
    r"python3|bash|scripts/\S+)\s|export [A-Z_]+=)")
# A runtime variable being set (`NAME=value`); `-DNAME=` is a CMake option, not the runtime's.
ENV_NAME = re.compile(r"(?<![-\w])((?:OTEL|AUTOSPAN)_[A-Z0-9_]*[A-Z0-9])=")


class Block:
    def __init__(self, page, line, lang, indent, body, marker):
        self.page, self.line, self.lang, self.indent = page, line, lang, indent
        self.body, self.marker = body, marker  # marker: (kind, rest) or None

    @property
    def is_command(self):
        if self.lang in COMMAND_LANGS:
            return True
        first = next((l for l in self.body if l.strip()), "")
        return self.lang == "" and bool(LOOKS_LIKE_COMMAND.match(first))

    @property
    def where(self):
        return f"{self.page}:{self.line}"

    def commands(self):
        """The text to run: for `console` only the `$ ` lines (and their `\\` continuations)."""
        if self.lang != "console" and not any(l.startswith("$ ") for l in self.body):
            return "\n".join(self.body) + "\n"
        out, cont = [], False
        for l in self.body:
            if l.startswith("$ ") or cont:
                out.append(l[2:] if l.startswith("$ ") else l)
                cont = l.endswith("\\")
        return "\n".join(out) + "\n"

    def output(self):
        """A `console` block's documented output: the lines that are not commands."""
        out, cont = [], False
        for l in self.body:
            if l.startswith("$ ") or cont:
                cont = l.endswith("\\")
                continue
            out.append(l)
        return "\n".join(out) + "\n"


def parse_page(path, root):
    rel = os.path.relpath(path, root)
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = m.group(1), m.group(2), i
        body, i = [], i + 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        marker = None
        if start > 0:
            mm = MARKER.match(lines[start - 1])
            if mm:
                marker = (mm.group(1), mm.group(2))
        blocks.append(Block(rel, start + 1, lang, indent, body, marker))
        i += 1
    return blocks


def all_blocks(root):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
        out.extend(parse_page(path, root))
    return out


def external_markers(root):
    """test/docs/external-markers.txt: `page | first line of the block | marker`."""
    table = {}
    path = os.path.join(root, "test", "docs", "external-markers.txt")
    for raw in open(path, encoding="utf-8"):
        raw = raw.rstrip("\n")
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        page, first, marker = (x.strip() for x in raw.split(" | ", 2))
        mm = MARKER.match(f"<!-- test: {marker} -->")
        table[(page, first)] = (mm.group(1), mm.group(2))
    return table


def marker_of(block, external):
    if block.marker:
        return block.marker
    first = next((l.strip() for l in block.body if l.strip()), "")
    return external.get((block.page, first))


def split_reason(rest):
    head, sep, reason = rest.partition(" -- ")
    return head.strip(), reason.strip() if sep else ""


def registered_tests(build, ctest):
    out = subprocess.run([ctest, "-N", "--test-dir", build], capture_output=True, text=True,
                         check=True).stdout
    return set(re.findall(r"^\s*Test\s+#\d+:\s+(\S+)", out, re.M))


def test_patterns(root):
    """add_test(NAME ...) of test/**/CMakeLists.txt, `${...}` as a wildcard."""
    pats = []
    for path in glob.glob(os.path.join(root, "test", "**", "CMakeLists.txt"), recursive=True):
        if "node_modules" in path:
            continue
        for name in re.findall(r"add_test\(\s*NAME\s+(\S+)", open(path, encoding="utf-8").read()):
            pats.append(re.compile("^" + re.sub(r"\\\$\\\{[^}]*\\\}", ".+", re.escape(name)) + "$"))
    return pats


def known_env_names(root):
    text = open(os.path.join(root, "runtime", "core", "options.inc"), encoding="utf-8").read()
    return set(re.findall(r"AUTOSPAN_OPTION\(\s*\w+,\s*([A-Z_0-9]+)", text))


def cmd_lint(args):
    root = args.root
    external = external_markers(root)
    registered = registered_tests(args.build, args.ctest) if args.build else None
    patterns = test_patterns(root)
    env_names = known_env_names(root)
    errors, rows, seen_ids = [], [], {}
    for b in all_blocks(root):
        if not b.is_command:
            continue
        m = marker_of(b, external)
        if not m:
            errors.append(f"{b.where}: command block without a `<!-- test: ... -->` marker "
                          f"(see test/docs/README.md):\n    {b.body[0] if b.body else ''}")
            continue
        kind, rest = m
        head, reason = split_reason(rest)
        if kind == "run":
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", head):
                errors.append(f"{b.where}: `test: {kind}` needs an id ([a-z0-9.-]+), got '{head}'")
            elif head in seen_ids:
                errors.append(f"{b.where}: id '{head}' also used at {seen_ids[head]}")
            else:
                seen_ids[head] = b.where
            rows.append((b.where, kind, head))
        elif kind == "elsewhere":
            if not reason:
                errors.append(f"{b.where}: `test: elsewhere` needs ` -- <why>`")
            for name in filter(None, (x.strip() for x in head.split(","))):
                optional = name.endswith("?")
                name = name.rstrip("?")
                if "/" in name:
                    if not os.path.exists(os.path.join(root, name)):
                        errors.append(f"{b.where}: `elsewhere {name}`: no such file")
                elif registered is not None and name in registered:
                    pass
                elif optional and any(p.match(name) for p in patterns):
                    pass
                elif registered is None and any(p.match(name) for p in patterns):
                    pass
                else:
                    errors.append(f"{b.where}: `elsewhere {name}`: no such test"
                                  + ("" if registered is None else " in this build"))
            rows.append((b.where, kind, head))
        elif kind == "manual":
            if not reason:
                errors.append(f"{b.where}: `test: manual` needs ` -- <why it cannot run here>`")
            rows.append((b.where, kind, reason))
        else:
            errors.append(f"{b.where}: unknown marker kind '{kind}' (run, elsewhere, manual)")
    # Every runtime variable a page names must be one the runtime reads.
    for path in sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
        rel = os.path.relpath(path, root)
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            for name in ENV_NAME.findall(line):
                # Build-side names: the scripts' switches (scripts/test.sh, bench.sh, ...).
                if name in env_names or re.match(r"AUTOSPAN_(TEST_|BENCH_|TP_|UPDATE_GOLDEN|"
                                                 r"CLANG_VERSIONS|BUILD_|JOBS|FAIL_FAST|CTEST_|"
                                                 r"CMAKE_)", name):
                    continue
                errors.append(f"{rel}:{n}: {name} is not a variable the runtime reads "
                                  "(runtime/core/options.inc)")
    for where, kind, what in rows:
        print(f"{where:32} {kind:10} {what}")
    if errors:
        print("\n".join(["", "docs check FAILED:"] + errors), file=sys.stderr)
        return 1
    print(f"docs check: {len(rows)} command blocks, each run here or covered elsewhere")
    return 0


def find_block(root, ident):
    external = external_markers(root)
    for b in all_blocks(root):
        m = marker_of(b, external)
        if m and m[0] == "run" and split_reason(m[1])[0] == ident:
            return b
    sys.exit(f"docblocks.py: no block marked `run {ident}`")


def cmd_extract(args):
    b = find_block(args.root, args.id)
    text = b.output() if args.output else b.commands() if args.commands else "\n".join(b.body) + "\n"
    for sub in args.sub or []:
        frm, sep, to = sub.partition("=>")
        if not sep:
            sys.exit(f"docblocks.py: --sub wants FROM=>TO, got '{sub}'")
        text = text.replace(frm, to)
    sys.stdout.write(text)
    return 0


def cmd_ids(args):
    external = external_markers(args.root)
    for b in all_blocks(args.root):
        m = marker_of(b, external)
        if b.is_command and m and m[0] == "run":
            print(split_reason(m[1])[0])
    return 0


def cmd_code(args):
    """The first block tagged LANG after (or, with --before, before) the block marked ID."""
    target = find_block(args.root, args.after)
    blocks = [b for b in all_blocks(args.root) if b.page == target.page]
    idx = next(i for i, b in enumerate(blocks) if b.line == target.line)
    order = reversed(blocks[:idx]) if args.before else blocks[idx + 1:]
    for b in order:
        if b.lang == args.lang:
            sys.stdout.write("\n".join(b.body) + "\n")
            return 0
    sys.exit(f"docblocks.py: no `{args.lang}` block near `run {args.after}`")


NUMBER = re.compile(r"\d+(\.\d+)?\s?(ns|µs|us|ms|s)\b|\b[0-9a-f]{16,32}\b|\b\d+(\.\d+)?\b")


def normalise(text):
    lines = []
    for l in text.splitlines():
        l = NUMBER.sub("N", l)
        lines.append(re.sub(r"\s+", " ", l).strip())
    return [l for l in lines if l]


def cmd_compare(args):
    """Each documented line (numbers, ids and spacing normalised) must appear in the real output,
    in order (any order with --unordered: rows whose order depends on timing); a `...` line in
    the documentation skips ahead, a line ending in `...` shows only its start."""
    want = normalise(open(args.expected, encoding="utf-8").read())
    have = normalise(open(args.actual, encoding="utf-8").read())

    def same(doc, real):  # a documented line ending in `...` shows only the start
        if doc.endswith(" ...") or doc.endswith("..."):
            return real.startswith(doc.rstrip(".").rstrip())
        return doc == real

    pos = 0
    for w in want:
        if w in ("...", "…"):
            continue
        if args.unordered:
            pos = 0
        while pos < len(have) and not same(w, have[pos]):
            pos += 1
        if pos == len(have):
            print(f"documented line not in the output (in order): {w}\n--- output:\n"
                  + "\n".join(have), file=sys.stderr)
            return 1
        pos += 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("lint")
    p.add_argument("--root", required=True)
    p.add_argument("--build")
    p.add_argument("--ctest", default="ctest")
    p = sp.add_parser("extract")
    p.add_argument("--root", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--sub", action="append")
    p.add_argument("--commands", action="store_true")
    p.add_argument("--output", action="store_true")
    p = sp.add_parser("ids")
    p.add_argument("--root", required=True)
    p = sp.add_parser("code")
    p.add_argument("--root", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--lang", required=True)
    p.add_argument("--before", action="store_true")
    p = sp.add_parser("compare")
    p.add_argument("--unordered", action="store_true")
    p.add_argument("expected")
    p.add_argument("actual")
    args = ap.parse_args()
    return {"lint": cmd_lint, "extract": cmd_extract, "ids": cmd_ids, "code": cmd_code,
            "compare": cmd_compare}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
