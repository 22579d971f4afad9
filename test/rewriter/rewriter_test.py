#!/usr/bin/env python3
"""Tests of autospan-rewrite through the real thing: the built tool, real compilers (clang++-19,
g++-12), the real runtime and, for the equivalence test, the real plugin.

Every test works on copies in a fresh temporary directory; inputs are never modified. CTest
(test/rewriter/CMakeLists.txt) calls one subcommand per test. AUTOSPAN_UPDATE_GOLDEN=1 rewrites
the expected diffs instead of comparing against them.

An input may say how the rewriter is run on it in a comment line:
    // rewriter-args: --namespace app --exclude app::detail
(default: --namespace app).
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

CXX_STD = "-std=c++20"  # the fixed tests (header_once, gcc_db...)
WARNINGS = ["-Wall", "-Wextra", "-Wshadow", "-Werror"]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(cmd, cwd=None, env=None, expect_rc=0, stdin=None):
    """Runs cmd; stdout and stderr are decoded without newline translation (CRLF inputs)."""
    merged = dict(os.environ)
    merged.update(env or {})
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=merged,
                       input=stdin.encode() if stdin is not None else None, capture_output=True)
    p.stdout = p.stdout.decode("utf-8", "replace")
    p.stderr = p.stderr.decode("utf-8", "replace")
    if expect_rc is not None and p.returncode != expect_rc:
        raise Failure(f"`{shlex.join(str(c) for c in cmd)}` exited {p.returncode}, expected "
                      f"{expect_rc}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
    return p


def rewriter_args(opts):
    """--args if given, else the first input's `// rewriter-args:` line, else --namespace app."""
    if opts.args is not None:
        return shlex.split(opts.args)
    for line in Path(opts.input[0]).read_text().splitlines():
        m = re.match(r"\s*//\s*rewriter-args:(.*)$", line)
        if m:
            return shlex.split(m.group(1))
    return ["--namespace", "app"]


def std_flag(opts):
    return f"-std=c++{opts.std}"


class Workspace:
    """A temporary directory holding copies of the inputs and a compile database for them."""

    def __init__(self, opts, sources, extra_files=(), compiler="clang++-19", flags=None):
        self.opts = opts
        self.dir = Path(tempfile.mkdtemp(prefix="autospan-rewrite-test-"))
        self.sources = []
        for src in sources:
            dst = self.dir / Path(src).name
            shutil.copyfile(src, dst)
            self.sources.append(dst.name)
        for extra in extra_files:
            shutil.copyfile(extra, self.dir / Path(extra).name)
        self.flags = flags if flags is not None else [std_flag(opts), f"-I{opts.include}"]
        self.write_db(compiler)

    def write_db(self, compiler):
        db = [{"directory": str(self.dir), "file": s,
               "arguments": [compiler, *self.flags, "-c", s, "-o", s + ".o"]}
              for s in self.sources]
        (self.dir / "compile_commands.json").write_text(json.dumps(db, indent=1))

    def tool(self, *args, expect_rc=0, files=None):
        return run([self.opts.tool, "-p", self.dir, *args, *(files or self.sources)],
                   cwd=self.dir, expect_rc=expect_rc)

    def snapshot(self):
        return {p.name: p.read_bytes() for p in sorted(self.dir.iterdir())
                if p.is_file() and p.name != "compile_commands.json" and not p.name.endswith(".o")}

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def compare_golden(actual: str, expected_path: Path, what: str):
    if os.environ.get("AUTOSPAN_UPDATE_GOLDEN") == "1":
        expected_path.write_bytes(actual.encode())
        print(f"updated {expected_path}")
        return
    check(expected_path.exists(), f"missing golden file {expected_path} "
          "(run with AUTOSPAN_UPDATE_GOLDEN=1 to create it)")
    expected = expected_path.read_bytes().decode()
    if actual != expected:
        import difflib
        delta = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                             "expected", "actual"))
        raise Failure(f"{what} differs from {expected_path}:\n{delta}")


# ---------------------------------------------------------------------------------------------
# golden: the diff for one input is exactly the expected one, and applying it with patch(1)
# gives the same bytes as --in-place.

def cmd_golden(opts):
    ws = Workspace(opts, opts.input, opts.extra)
    try:
        args = rewriter_args(opts)
        diff = ws.tool(*args).stdout
        compare_golden(diff, Path(opts.expected), "diff")
        patched = Workspace(opts, opts.input, opts.extra)
        try:
            run(["patch", "-s", "-p1"], cwd=patched.dir, stdin=diff)
            ws.tool(*args, "--in-place")
            for name in ws.snapshot():
                if name.endswith(".orig"):
                    continue
                check((ws.dir / name).read_bytes() == (patched.dir / name).read_bytes(),
                      f"{name}: patch(1) with the diff and --in-place disagree")
        finally:
            patched.cleanup()
    finally:
        ws.cleanup()


# ---------------------------------------------------------------------------------------------
# roundtrip: rewrite -> second rewrite changes nothing, --check passes -> --remove gives the
# original bytes back; --check fails on the original.

def cmd_roundtrip(opts):
    ws = Workspace(opts, opts.input, opts.extra)
    try:
        args = rewriter_args(opts)
        original = ws.snapshot()
        if any(b"AUTOSPAN_FUNCTION" in data for data in original.values()):
            # --remove also takes out sites written by hand: compare against that.
            ws.tool("--remove", "--in-place")
            original = ws.snapshot()
            ws.cleanup()
            ws = Workspace(opts, opts.input, opts.extra)
        first = ws.tool(*args).stdout
        if first:
            p = ws.tool(*args, "--check", expect_rc=1)
            check("is not instrumented" in p.stdout, f"--check output lists nothing:\n{p.stdout}")
        else:
            ws.tool(*args, "--check", expect_rc=0)
        ws.tool(*args, "--in-place")
        rewritten = ws.snapshot()
        check(rewritten != original or not first, "--in-place wrote nothing")
        second = ws.tool(*args)
        check(second.stdout == "", f"second run is not a no-op:\n{second.stdout}")
        ws.tool(*args, "--in-place")
        check(ws.snapshot() == rewritten, "second --in-place run changed files")
        ws.tool(*args, "--check", expect_rc=0)
        ws.tool("--remove", "--in-place")
        restored = ws.snapshot()
        for name, data in original.items():
            check(restored.get(name) == data, f"{name}: --remove did not restore the original "
                                              f"bytes")
        check(set(restored) == set(original), "--remove left extra files behind: "
              f"{sorted(set(restored) - set(original))}")
    finally:
        ws.cleanup()


# ---------------------------------------------------------------------------------------------
# header_once: a header included by two TUs is edited once.

def cmd_header_once(opts):
    inputs = Path(opts.inputs)
    ws = Workspace(opts, [inputs / "shared_tu1.cpp", inputs / "shared_tu2.cpp"],
                   [inputs / "shared.h"])
    try:
        diff = ws.tool("--namespace", "app").stdout
        check(diff.count("+++ b/shared.h") == 1, f"shared.h not diffed exactly once:\n{diff}")
        ws.tool("--namespace", "app", "--in-place")
        header = (ws.dir / "shared.h").read_text()
        for name in ("app::Counter::bump", "app::scale"):
            n = header.count(f'AUTOSPAN_FUNCTION("{name}")')
            check(n == 1, f"{name} has {n} sites in shared.h:\n{header}")
        check(header.count("#include <autospan/autospan.h>") == 1,
              f"shared.h includes autospan.h more than once:\n{header}")
        # Both TUs still build and link together (the sites' statics live in inline functions).
        for compiler in (opts.gxx, opts.clangxx):
            run([compiler, CXX_STD, *WARNINGS, f"-I{opts.include}", "shared_tu1.cpp",
                 "shared_tu2.cpp", f"-L{opts.runtime_dir}", "-lautospan",
                 f"-Wl,-rpath,{opts.runtime_dir}", "-o", "shared"], cwd=ws.dir)
    finally:
        ws.cleanup()


# ---------------------------------------------------------------------------------------------
# gcc_db: a compile database written for g++ with GCC-only flags works; each dropped flag is
# noted once even when several TUs use it.

def cmd_gcc_db(opts):
    inputs = Path(opts.inputs)
    gcc_flags = [CXX_STD, f"-I{opts.include}", "-fconcepts-diagnostics-depth=3",
                 "-fno-semantic-interposition", "-Wno-stringop-overflow", "-Wall", "-Werror",
                 "-fplugin=/nonexistent/autospan-plugin.so", "-fplugin-arg-autospan-namespace=x",
                 "-fmax-include-depth=100", "-fno-tree-loop-distribute-patterns"]
    ws = Workspace(opts, [inputs / "shared_tu1.cpp", inputs / "shared_tu2.cpp"],
                   [inputs / "shared.h"], compiler="/usr/bin/g++-12", flags=gcc_flags)
    try:
        p = ws.tool("--namespace", "app")
        check("+++ b/shared_tu1.cpp" in p.stdout and "+++ b/shared.h" in p.stdout,
              f"no edits with a GCC database:\n{p.stdout}\n{p.stderr}")
        for flag in ("-fconcepts-diagnostics-depth=3", "-fplugin=/nonexistent/autospan-plugin.so"):
            n = p.stderr.count(f"dropping '{flag}'")
            check(n == 1, f"'{flag}' noted {n} times:\n{p.stderr}")
        check("error" not in p.stderr, f"errors with a GCC database:\n{p.stderr}")
        # The rewritten sources build with the very command line the database holds.
        ws.tool("--namespace", "app", "--in-place")
        run(["/usr/bin/g++-12", *[f for f in gcc_flags if not f.startswith("-fplugin")],
             "-c", "shared_tu1.cpp", "-o", "shared_tu1.o"], cwd=ws.dir)
    finally:
        ws.cleanup()


# ---------------------------------------------------------------------------------------------
# refuse_errors: a TU that does not compile is refused with the compiler's diagnostics, and
# nothing is written, not even the files of the TUs that compiled.

def cmd_refuse_errors(opts):
    inputs = Path(opts.inputs)
    ws = Workspace(opts, [inputs / "shared_tu1.cpp", inputs / "broken.cpp"], [inputs / "shared.h"])
    try:
        before = ws.snapshot()
        for extra in ([], ["--in-place"], ["--check"]):
            p = ws.tool("--namespace", "app", *extra, expect_rc=2)
            check("broken.cpp:" in p.stderr and "error:" in p.stderr,
                  f"no compiler diagnostic for broken.cpp:\n{p.stderr}")
            check("nothing was written" in p.stderr, f"no refusal message:\n{p.stderr}")
            check(p.stdout == "", f"output despite the refusal:\n{p.stdout}")
            check(ws.snapshot() == before, f"files changed although a TU failed ({extra})")
        leftovers = [p.name for p in ws.dir.iterdir() if ".autospan-" in p.name]
        check(not leftovers, f"temporary files left behind: {leftovers}")
    finally:
        ws.cleanup()


# ---------------------------------------------------------------------------------------------
# stale: a site in a function that a narrower selection no longer covers is reported, not
# deleted (it may have been written by hand); --verbose explains the skipped functions.

def cmd_stale(opts):
    inputs = Path(opts.inputs)
    ws = Workspace(opts, [inputs / "selection.cpp"])
    try:
        p = ws.tool("--namespace", "app", "--min-statements", "2", "--verbose")
        check("not instrumented 'app::too_short': 1 statement, fewer than min-statements=2"
              in p.stderr and "not instrumented 'app::opted_out': AUTOSPAN_NO_TRACE" in p.stderr,
              f"--verbose does not explain:\n{p.stderr}")
        ws.tool("--namespace", "app", "--in-place")
        rewritten = ws.snapshot()
        p = ws.tool("--namespace", "app", "--exclude", "app::Cache")
        check(p.stdout == "", f"a narrower selection edited the file:\n{p.stdout}")
        check("'app::Cache::put' has an AUTOSPAN_FUNCTION but is not selected (excluded by "
              "'app::Cache'); --remove takes it out" in p.stderr, f"no stale-site note:\n{p.stderr}")
        check(ws.snapshot() == rewritten, "files changed")
    finally:
        ws.cleanup()


# ---------------------------------------------------------------------------------------------
# Spans: the `expected spans` block of a construct input, and what a run wrote.

def parse_expected_spans(source: Path):
    """`/* expected spans ... */`: one span per line, indentation = nesting, `xN` = N times,
    `!error TEXT` = error status with that exception. Returns a canonical forest."""
    text = source.read_text()
    m = re.search(r"/\* expected spans\n(.*?)\*/", text, re.S)
    if not m:
        return None
    roots, stack = [], []
    for line in m.group(1).splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        body = line.strip()
        error = None
        if " !error" in body:
            body, error = body.split(" !error", 1)
            error = error.strip()
        count = 1
        cm = re.match(r"(.*) x(\d+)$", body)
        if cm:
            body, count = cm.group(1), int(cm.group(2))
        node = {"name": body, "error": error, "children": []}
        del stack[depth:]
        for _ in range(count):
            copy = json.loads(json.dumps(node))
            (stack[-1]["children"] if stack else roots).append(copy)
        stack.append((stack[-1]["children"] if stack else roots)[-1])
    return canonical(roots)


def read_spans(path: Path):
    spans = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        for rs in json.loads(line).get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                spans.extend(ss.get("spans", []))
    return spans


def span_forest(spans, with_errors=True):
    by_id = {s["spanId"]: {"span": s, "children": []} for s in spans}
    roots = []
    for s in spans:
        parent = by_id.get(s.get("parentSpanId", ""))
        (parent["children"] if parent else roots).append(by_id[s["spanId"]])

    def convert(n):
        s = n["span"]
        error = None
        if with_errors and s.get("status", {}).get("code") == 2:
            ev = next((e for e in s.get("events", []) if e.get("name") == "exception"), None)
            attrs = {a["key"]: a["value"].get("stringValue") for a in (ev or {}).get("attributes", [])}
            error = f"{attrs.get('exception.type')}: {attrs.get('exception.message')}" if ev else ""
        return {"name": s["name"], "error": error, "children": [convert(c) for c in n["children"]]}

    return canonical([convert(r) for r in roots])


def without(forest, names):
    """The forest minus spans named in names (their children move up to their parent)."""
    out = []
    for n in forest:
        children = without(n["children"], names)
        if n["name"] in names:
            out.extend(children)
        else:
            out.append({"name": n["name"], "error": n["error"], "children": children})
    return canonical(out)


def canonical(forest):
    """Order-independent form: children sorted by their own canonical text."""
    def key(node):
        return json.dumps(node, sort_keys=True)
    out = []
    for n in forest:
        out.append({"name": n["name"], "error": n["error"],
                    "children": canonical(n["children"])})
    return sorted(out, key=key)


def render(forest, depth=0):
    lines = []
    for n in forest:
        err = f" !error {n['error']}" if n["error"] is not None else ""
        lines.append("  " * depth + n["name"] + err)
        lines.extend(render(n["children"], depth + 1))
    return lines


def run_program(exe: Path, workdir: Path, tag: str, exit_code: int):
    out = workdir / f"{tag}.jsonl"
    env = {"OTEL_TRACES_EXPORTER": "file", "AUTOSPAN_FILE": str(out), "OTEL_SERVICE_NAME": tag}
    p = run([exe], cwd=workdir, env=env, expect_rc=None)
    check(p.returncode == exit_code,
          f"{exe.name} exited {p.returncode}, expected {exit_code}\n{p.stdout}\n{p.stderr}")
    return read_spans(out) if out.exists() else []  # no span, no file


def link_flags(opts):
    return [f"-I{opts.include}", f"-L{opts.runtime_dir}", "-lautospan",
            f"-Wl,-rpath,{opts.runtime_dir}"]


def compilers(opts):
    return [c for c in (opts.gxx, opts.clangxx) if c]


# ---------------------------------------------------------------------------------------------
# build: the rewritten input compiles warning-free with g++-12 and clang++-19, and, when it has an
# `expected spans` block, runs linked to libautospan producing exactly those spans.

WARNING_LINE = re.compile(r"^(?P<file>[^:\s]+):\d+:\d+: warning: (?P<text>.*?)\s*\[(?P<flag>-W[^\]]+)\]$")


def warnings_of(compiler, opts, workdir, sources):
    """The warnings a compile gives, without positions (an insertion moves lines)."""
    p = run([compiler, std_flag(opts), *[w for w in WARNINGS if w != "-Werror"],
             f"-I{opts.include}", "-fsyntax-only", *sources], cwd=workdir)
    return Counter((m["file"], m["flag"], m["text"])
                   for m in map(WARNING_LINE.match, p.stderr.splitlines()) if m)


def cmd_build(opts):
    ws = Workspace(opts, opts.input, opts.extra)
    try:
        before = {c: warnings_of(c, opts, ws.dir, ws.sources) for c in compilers(opts)}
        ws.tool(*rewriter_args(opts), "--in-place")
        expected = parse_expected_spans(Path(opts.input[0]))
        for compiler in compilers(opts):
            tag = Path(compiler).name
            # The input's own warnings (g++'s -Wshadow flags constructor parameters named like
            # members) are not the rewriter's: it must add none, and with a clean input the
            # rewritten code builds with -Werror.
            added = warnings_of(compiler, opts, ws.dir, ws.sources) - before[compiler]
            check(not added, f"the rewrite adds {tag} warnings: {dict(added)}")
            flags = WARNINGS if not before[compiler] else WARNINGS[:-1]
            exe = ws.dir / f"prog-{tag}"
            run([compiler, std_flag(opts), *flags, *ws.sources, *link_flags(opts), "-o", exe],
                cwd=ws.dir)
            if expected is None:
                continue
            actual = span_forest(run_program(exe, ws.dir, tag, opts.exit_code))
            expected = without(expected, opts.withdrawn)
            check(actual == expected,
                  f"spans of the {tag} build differ from the expected ones\n--- expected\n" +
                  "\n".join(render(expected)) + "\n--- actual\n" + "\n".join(render(actual)))
    finally:
        ws.cleanup()


# ---------------------------------------------------------------------------------------------
# equivalence: the plugin build of the original and the g++ build of the rewritten source give
# the same spans (names, nesting, errors). code.line.number differs by design.

def plugin_arguments(args):
    out = []
    it = iter(args)
    for a in it:
        key = a.lstrip("-")
        if "=" in key:
            key, value = key.split("=", 1)
        else:
            value = next(it)
        out.append(f"-fplugin-arg-autospan-{key}={value}")
    return out


def cmd_equivalence(opts):
    args = rewriter_args(opts)
    ws = Workspace(opts, opts.input, opts.extra)
    try:
        plugin_exe = ws.dir / "prog-plugin"
        run([opts.clangxx, std_flag(opts), f"-fplugin={opts.plugin}", *plugin_arguments(args),
             *ws.sources, *link_flags(opts), "-o", plugin_exe], cwd=ws.dir)
        plugin_spans = span_forest(run_program(plugin_exe, ws.dir, "plugin", opts.exit_code))
        ws.tool(*args, "--in-place")
        rewrite_exe = ws.dir / "prog-rewrite"
        compiler = opts.gxx or opts.clangxx
        run([compiler, std_flag(opts), *ws.sources, *link_flags(opts), "-o", rewrite_exe],
            cwd=ws.dir)
        rewrite_spans = span_forest(run_program(rewrite_exe, ws.dir, "rewrite", opts.exit_code))
        check(plugin_spans, "the plugin build produced no spans")
        plugin_spans = without(plugin_spans, opts.withdrawn)
        check(plugin_spans == rewrite_spans,
              "plugin and rewrite mode disagree\n--- plugin (clang++-19)\n" +
              "\n".join(render(plugin_spans)) + f"\n--- rewrite ({Path(compiler).name})\n" +
              "\n".join(render(rewrite_spans)))
    finally:
        ws.cleanup()


# ---------------------------------------------------------------------------------------------
# cmake_mode: autospan_instrument(... MODE rewrite) in a g++ project: the build compiles rewritten
# copies, the program produces the spans, the source tree stays untouched, and a changed header
# is rewritten again on the next build (depfile).

def tree_bytes(root: Path):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def cmd_cmake_mode(opts):
    work = Path(tempfile.mkdtemp(prefix="autospan-rewrite-cmake-"))
    try:
        src = work / "src"
        shutil.copytree(opts.project, src)
        pristine = tree_bytes(src)
        build = work / "build"
        run([opts.cmake, "-S", src, "-B", build, "-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={opts.ninja}",
             f"-DCMAKE_CXX_COMPILER={opts.gxx}", f"-DAUTOSPAN_REWRITE_EXECUTABLE={opts.tool}",
             f"-DAUTOSPAN_RUNTIME_LIBRARY={opts.runtime_dir}/libautospan.so",
             f"-DAUTOSPAN_INCLUDE_DIR={opts.include}", f"-DAUTOSPAN_CMAKE_DIR={opts.cmake_dir}"])
        run([opts.cmake, "--build", build])
        check(tree_bytes(src) == pristine, "the build modified the source tree")
        mirror = build / "autospan-rewrite" / "demo"
        header = (mirror / "include" / "demo" / "shapes.h").read_text()
        check('AUTOSPAN_FUNCTION("demo::Square::area")' in header,
              f"the mirrored header is not rewritten:\n{header}")
        local = (mirror / "src" / "local.h").read_text()
        check('AUTOSPAN_FUNCTION("demo::doubled_area")' in local and
              'AUTOSPAN_FUNCTION("demo::detail' not in local,
              f"local.h rewritten wrongly (EXCLUDE demo::detail):\n{local}")
        expected = parse_expected_spans(src / "main.cpp")
        actual = span_forest(run_program(build / "demo", work, "cmake", 0))
        check(actual == expected, "spans of the MODE rewrite build\n--- expected\n" +
              "\n".join(render(expected)) + "\n--- actual\n" + "\n".join(render(actual)))

        p = run([opts.cmake, "--build", build])
        check("no work to do" in p.stdout, f"a second build did work:\n{p.stdout}")
        shapes = src / "include" / "demo" / "shapes.h"
        shapes.write_text(shapes.read_text().replace(
            "  int area() const { return side * side; }",
            "  int area() const { return side * side; }\n  int perimeter() const { return 4 * side; }"))
        run([opts.cmake, "--build", build])
        header = (mirror / "include" / "demo" / "shapes.h").read_text()
        check('AUTOSPAN_FUNCTION("demo::Square::perimeter")' in header,
              f"a changed header was not rewritten again:\n{header}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("command")
    ap.add_argument("--tool", required=True)
    ap.add_argument("--include", required=True, help="autospan's include directory")
    ap.add_argument("--inputs", help="test/rewriter/inputs")
    ap.add_argument("--input", action="append", default=[],
                    help="a source (repeatable; the first holds the expected spans)")
    ap.add_argument("--expected")
    ap.add_argument("--args", help="rewriter selection flags, as one string")
    ap.add_argument("--std", default="20", help="C++ standard (17, 20, 23...)")
    ap.add_argument("--exit-code", type=int, default=0, help="the program's expected status")
    ap.add_argument("--withdrawn", action="append", default=[],
                    help="a span the rewriter deliberately does not produce (lambdas evaluated at "
                         "compile time, see docs/rewriter-tool.md)")
    ap.add_argument("--extra", action="append", default=[], help="another file to copy along")
    ap.add_argument("--runtime-dir", help="directory of libautospan.so")
    ap.add_argument("--plugin", help="autospan-plugin.so")
    ap.add_argument("--gxx", default="g++-12", help="empty: no GCC build")
    ap.add_argument("--clangxx", default="clang++-19")
    ap.add_argument("--project", help="cmake_mode: the test project")
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("--ninja", default="ninja")
    ap.add_argument("--cmake-dir", help="autospan's cmake/ directory")
    opts = ap.parse_args()
    commands = {
        "golden": cmd_golden, "roundtrip": cmd_roundtrip, "header_once": cmd_header_once,
        "gcc_db": cmd_gcc_db, "refuse_errors": cmd_refuse_errors, "build": cmd_build,
        "equivalence": cmd_equivalence, "cmake_mode": cmd_cmake_mode,
        "stale": cmd_stale,
    }
    try:
        commands[opts.command](opts)
    except Failure as f:
        print(f"FAIL: {f}", file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
