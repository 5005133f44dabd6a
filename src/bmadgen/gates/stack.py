"""Finding a project's stack and loading the gates it declares (`gates.yaml`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from bmadgen.errors import InvalidInput, NotFound
from bmadgen.gates.models import GateSpec, StackGates
from bmadgen.resources import templates_root
from bmadgen.validation import identifier

GATES_FILE = "gates.yaml"
DEFAULT_STACK = "fastapi"


def stack_name(project_dir: Path) -> str:
    """`stack.name` from the project's appspec.yaml; the default stack when there is none."""
    import yaml

    from bmadgen.appspec import MAX_SPEC_BYTES, SPEC_FILENAME
    from bmadgen.fsutil import read_project_text

    try:  # through the path guard and the bounded reader: the spec is the project's, not ours
        text = read_project_text(Path(project_dir), SPEC_FILENAME, "the app spec",
                                 max_bytes=MAX_SPEC_BYTES)
    except NotFound:
        return DEFAULT_STACK
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{SPEC_FILENAME} is not valid YAML: {exc}") from exc
    stack = data.get("stack") if isinstance(data, dict) else None
    name = stack.get("name") if isinstance(stack, dict) else stack
    return identifier(name, "stack name") if isinstance(name, str) else DEFAULT_STACK


def stack_dir(name: str) -> Path:
    identifier(name, "stack name")
    path = templates_root() / "stacks" / name
    if not path.is_dir():
        raise NotFound(f"no stack named {name!r} ships with bmadgen")
    return path


def load_gates(path: Path) -> StackGates:
    """Parse and validate a gates.yaml; every problem is reported with its place, at once."""
    import yaml

    if not path.is_file():
        raise NotFound(f"the stack declares no gates: {path} is missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must hold a mapping with a 'gates' list")
    try:
        stack = StackGates.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        ]
        raise InvalidInput(f"{path} is not a valid gates file", details=problems) from None
    names = [gate.name for gate in stack.gates]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidInput(f"{path} declares gates twice: {', '.join(duplicates)}")
    for gate in stack.gates:
        unknown = [need for need in gate.needs if need not in names]
        if unknown:
            raise InvalidInput(f"{path}: gate {gate.name!r} needs unknown gates {unknown}")
    return stack


def gates_for(project_dir: Path) -> list[GateSpec]:
    """The gates of the project's stack, in their declared (fail-fast) order."""
    return load_gates(stack_dir(stack_name(project_dir)) / GATES_FILE).gates


def select(gates: list[GateSpec], names: list[str] | None) -> list[GateSpec]:
    if not names:
        return gates
    known = {gate.name for gate in gates}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise NotFound(
            f"no gate named {', '.join(unknown)}", hint=f"the stack's gates: {', '.join(known)}"
        )
    return [gate for gate in gates if gate.name in names]


def discover_slices(project_dir: Path) -> list[str]:
    """The feature slices of an app: the packages under app/features/."""
    features = Path(project_dir) / "app" / "features"
    if not features.is_dir():
        return []
    return sorted(
        p.name for p in features.iterdir()
        if p.is_dir() and (p / "__init__.py").is_file() and p.name.isidentifier()
    )
