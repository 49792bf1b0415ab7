"""The suite's own dates are read when a test runs, never when its module is imported.

The portal's day is Asia/Shanghai's: it turns at 16:00 UTC. A constant such as ``TODAY = timezone.localdate()``
at the top of a test module is taken when pytest collects, and a run that crosses that hour (a 15-minute CI run
started at 15:55 UTC did) posts yesterday's date to views that judge it against today — three tests failed so.
"""

import ast
import pathlib

import pytest

TESTS = pathlib.Path(__file__).parent
CLOCK_CALLS = {"localdate", "today", "now", "localtime"}


def clock_reads_at_import(tree):
    """Calls of the clock that run at import: module-level statements, default arguments, decorators."""
    found = []

    def scan(node):
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
            return  # its body runs when called
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CLOCK_CALLS:
                found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            scan(child)

    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in statement.decorator_list:
                scan(decorator)
            if not isinstance(statement, ast.ClassDef):
                for default in statement.args.defaults + statement.args.kw_defaults:
                    if default is not None:
                        scan(default)
        elif not isinstance(statement, (ast.Import, ast.ImportFrom)):
            scan(statement)
    return found


def test_the_scan_finds_a_module_level_date():
    tree = ast.parse(
        "TODAY = timezone.localdate()\n"
        "@pytest.mark.parametrize('d', [dt.date.today()])\ndef t(d): pass\n"
        "def f(year=timezone.now().year): pass\n"
        "def g():\n    return timezone.localdate()\n"
        "CASES = [lambda: timezone.localdate()]\n"
        "X = st.just(now())\n"
    )
    assert clock_reads_at_import(tree) == [1, 2, 4, 8]


@pytest.mark.parametrize("path", sorted(TESTS.rglob("*.py")), ids=lambda p: str(p.relative_to(TESTS)))
def test_no_test_module_reads_the_clock_at_import(path):
    lines = clock_reads_at_import(ast.parse(path.read_text(encoding="utf-8")))
    assert not lines, (
        f"{path.relative_to(TESTS)} reads the clock at import on lines {lines}; read it in the test"
    )
