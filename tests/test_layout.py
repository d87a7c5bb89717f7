"""The layout shows the architecture: no import circles, no module too long to read.

The import graph is grimp's (every ``import`` statement, those inside functions too: a
function that imports lazily to dodge a circle still closes the circle).
"""

from pathlib import Path

import grimp
from django.conf import settings

LINE_LIMIT = 800
CHECKED_PACKAGES = ("negotiations", "following", "tracker")

# Circles that stay, each with why. Nothing else may import in a circle.
KNOWN_CIRCLES = {
    # The embargo rules schedule the task that runs them: the task module must name the
    # domain function and the domain must enqueue the task, whose import path
    # (``negotiations.tasks.lift_embargoes``) is stored with every task already queued.
    frozenset({"negotiations.domain.embargoes", "negotiations.tasks"}),
}


def import_circles(graph, package):
    """The strongly connected components (two or more modules) of ``package``'s graph."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    index, low, on_stack, stack, circles = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(frozenset(component))

    for module in modules:
        if module not in index:
            visit(module)
    return circles


def test_no_module_of_the_app_imports_in_a_circle():
    graph = grimp.build_graph("negotiations", cache_dir=None)
    circles = import_circles(graph, "negotiations")
    assert [sorted(c) for c in circles if c not in KNOWN_CIRCLES] == []
    # A known circle that is gone comes off the list.
    assert not KNOWN_CIRCLES - set(circles)


def test_the_circle_finder_finds_a_circle():
    graph = grimp.ImportGraph()
    for module in ("app", "app.a", "app.b", "app.c"):
        graph.add_module(module)
    graph.add_import(importer="app.a", imported="app.b")
    graph.add_import(importer="app.b", imported="app.a")
    graph.add_import(importer="app.c", imported="app.a")
    assert import_circles(graph, "app") == [frozenset({"app.a", "app.b"})]


def test_no_module_is_longer_than_the_limit():
    root = Path(settings.BASE_DIR)
    too_long = {}
    for package in CHECKED_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > LINE_LIMIT:
                too_long[path.relative_to(root).as_posix()] = lines
    assert too_long == {}
