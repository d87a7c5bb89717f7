"""Count the lines of Python modules: all of them (as ``wc -l``) and the code lines.

A code line carries a token other than a comment, and is no part of a docstring (of a
module, class or function); blank lines are neither. ``--rev`` reads the files as they were
at a git revision (bench/README.md, "The read path's size").

    .venv/bin/python scripts/code_lines.py [--rev REV] FILE...
"""

import argparse
import ast
import io
import pathlib
import subprocess
import tokenize

NOT_CODE = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}
WITH_DOCSTRING = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def docstring_lines(tree):
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, WITH_DOCSTRING) and ast.get_docstring(node, clean=False) is not None:
            first = node.body[0]
            lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def count(source):
    """``(all lines, code lines)`` of a module's text."""
    code = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in NOT_CODE:
            code.update(range(token.start[0], token.end[0] + 1))
    return source.count("\n"), len(code - docstring_lines(ast.parse(source)))


def read(name, rev):
    if rev is None:
        return pathlib.Path(name).read_text()
    shown = subprocess.run(["git", "show", f"{rev}:{name}"], check=True, capture_output=True)
    return shown.stdout.decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", help="a git revision (default: the files as they are)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    total_lines = total_code = 0
    for name in args.files:
        lines, code = count(read(name, args.rev))
        total_lines, total_code = total_lines + lines, total_code + code
        print(f"{lines:6} {code:6}  {name}")
    print(f"{total_lines:6} {total_code:6}  total (all lines, code lines)")


if __name__ == "__main__":
    main()
