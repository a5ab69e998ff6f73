"""The core is what every feature builds on, so it imports none of them."""

import ast
from pathlib import Path

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
CORE = REGISTRY / "core"
# Beside the core itself, only the unbound extensions and the settings sit beneath it.
BENEATH_THE_CORE = ("registry.core", "registry.extensions", "registry.config")


def _module_of(path: Path, registry: Path) -> str:
    parts = path.relative_to(registry.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path, registry: Path = REGISTRY) -> set[str]:
    """Every module `path` imports, relative imports resolved, `from registry import x` as
    registry.x."""
    module = _module_of(path, registry)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            if base == "registry":
                names.update(f"registry.{alias.name}" for alias in node.names)
            else:
                names.add(base)
    return names


def _beneath_the_core(name: str) -> bool:
    return any(name == allowed or name.startswith(f"{allowed}.") for allowed in BENEATH_THE_CORE)


def test_no_core_module_imports_a_feature_package():
    modules = sorted(CORE.rglob("*.py"))
    assert CORE / "audit" / "writer.py" in modules  # the scan reaches the core's subpackages
    for path in modules:
        above = {
            name
            for name in _imported(path)
            if (name == "registry" or name.startswith("registry.")) and not _beneath_the_core(name)
        }
        assert not above, f"{path.relative_to(REGISTRY)} imports {sorted(above)}"


def test_the_scan_sees_each_form_of_import(tmp_path):
    module = tmp_path / "registry" / "core" / "audit" / "writer.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import registry.users.models\n"
        "from registry.audit import queries\n"
        "from registry import models\n"
        "from ..access import visible\n"
        "from ... import entities\n"
    )
    assert _imported(module, tmp_path / "registry") == {
        "registry.users.models",
        "registry.audit",
        "registry.models",
        "registry.core.access",
        "registry.entities",
    }
