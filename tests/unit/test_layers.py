"""The package's layers, checked from the source: which package may import what."""

import tomllib

from tests.imports import PACKAGE, cycles, graph, imports_of, modules

PURE = ("kiosk.deck", "kiosk.decks", "kiosk.ops", "kiosk.loader")
# The CLI is the composition root: `kiosk console` starts the console from there.
MAY_IMPORT_CONSOLE = ("kiosk.console", "kiosk.cli")


def _in(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_pure_packages_never_import_pygame_at_module_level() -> None:
    mods = modules()
    offenders = [
        f"{name}:{i.line}"
        for name, path in mods.items()
        if _in(name, PURE)
        for i in imports_of(path, set(mods))
        if i.top_level and i.target.split(".")[0] == "pygame"
    ]
    assert offenders == []


def test_nothing_outside_the_console_and_the_cli_imports_the_console() -> None:
    edges = graph()
    offenders = sorted(
        f"{name} -> {target}"
        for name, targets in edges.items()
        if not _in(name, MAY_IMPORT_CONSOLE)
        for target in targets
        if _in(target, ("kiosk.console",))
    )
    assert offenders == []


def test_no_import_cycle_even_through_function_level_imports() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    listed = {p for p in config["tool"]["setuptools"]["packages"] if not p.startswith("kiosk._")}
    folders = {
        ".".join(init.parent.relative_to(PACKAGE.parent).parts)
        for init in PACKAGE.rglob("__init__.py")
    }
    assert folders == listed


def test_the_loader_answer_can_carry_every_field_of_the_model() -> None:
    import kiosk.deck.model
    from kiosk.loader.wire import schema

    # Building the schema reads every field's type hint, down to the last nested class.
    assert kiosk.deck.model.Deck in schema()


def test_child_processes_are_started_with_module_names_that_exist() -> None:
    import importlib.util
    import re

    names = set()
    for path in PACKAGE.rglob("*.py"):
        names.update(re.findall(r'"-m",\s*"(kiosk[.\w]*)"', path.read_text()))
        names.update(re.findall(r'"-m",\n\s*"(kiosk[.\w]*)"', path.read_text()))
    assert names, "no child process found"
    for name in sorted(names):
        spec = importlib.util.find_spec(name)
        assert spec is not None, name
        if spec.submodule_search_locations:  # a package: runs its __main__
            assert importlib.util.find_spec(name + ".__main__") is not None, name
