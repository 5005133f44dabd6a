"""A stack: a folder of templates plus `stack.yaml`, rendered in a Jinja sandbox.

`skeleton/` renders once per app, `slice/` once per feature. A file ending in `.jinja` is
rendered (and loses the suffix), any other file is copied as it is; paths are templates too.
Files whose name starts with one `_` are partials for `{% import %}`, never output, and so is a
template that renders to nothing (a file that exists only under a condition). Rendering is
pure: it returns the files in memory and writes nothing, and every template problem of the
stack is collected before anything is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bmadgen.errors import InvalidInput, NotFound
from bmadgen.generate import pyfmt
from bmadgen.generate.context import md_line, toml_str, yaml_str
from bmadgen.resources import templates_root

TEMPLATE_SUFFIX = ".jinja"
SKELETON = "skeleton"
SLICE = "slice"


def stacks_root() -> Path:
    return templates_root() / "stacks"


@dataclass(frozen=True)
class TemplateFile:
    path_template: str  # relative path inside skeleton/ or slice/, itself a template
    source: str
    rendered: bool  # False: copied verbatim


@dataclass
class Stack:
    name: str
    folder: Path
    config: dict[str, Any]
    skeleton: list[TemplateFile] = field(default_factory=list)
    slice: list[TemplateFile] = field(default_factory=list)
    slice_root: str = "app/features/{name}"


@dataclass(frozen=True)
class RenderedFile:
    path: str  # posix path relative to the project root
    content: str
    owner: str  # "" for the skeleton, else the slice (feature) name


def _is_partial(path: Path) -> bool:
    return path.name.startswith("_") and not path.name.startswith("__")


def _read_templates(folder: Path) -> list[TemplateFile]:
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if "__pycache__" in relative or _is_partial(path):
            continue
        text = path.read_text(encoding="utf-8")
        if relative.endswith(TEMPLATE_SUFFIX):
            files.append(TemplateFile(relative[: -len(TEMPLATE_SUFFIX)], text, True))
        else:
            files.append(TemplateFile(relative, text, False))
    return files


def _partials(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("_*"))
        if path.is_file() and _is_partial(path)
    }


def load_stack(name: str, root: Path | None = None) -> Stack:
    import yaml

    folder = (root or stacks_root()) / name
    config_path = folder / "stack.yaml"
    if not config_path.is_file():
        raise NotFound(f"no stack {name!r} (looked for {config_path})")
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"stack {name!r}: stack.yaml is not valid YAML") from exc
    if not isinstance(config, dict):
        raise InvalidInput(f"stack {name!r}: stack.yaml must be a mapping")
    stack = Stack(name=name, folder=folder, config=config)
    stack.skeleton = _read_templates(folder / str(config.get("skeleton", SKELETON)))
    stack.slice = _read_templates(folder / str(config.get("slice", SLICE)))
    stack.slice_root = str(config.get("slice_root", stack.slice_root))
    return stack


_compiled_templates: dict[str, bytes] = {}


def _bytecode_cache():
    """Compiled templates kept for the life of the process, keyed by name and checked against
    the source's checksum by Jinja: a long-running face (TUI, MCP server, the benchmarks)
    compiles each template once, not on every generation."""
    from jinja2.bccache import Bucket, BytecodeCache

    class MemoryBytecodeCache(BytecodeCache):
        def load_bytecode(self, bucket: Bucket) -> None:
            code = _compiled_templates.get(bucket.key)
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket: Bucket) -> None:
            _compiled_templates[bucket.key] = bucket.bytecode_to_string()

    return MemoryBytecodeCache()


def _environment(stack: Stack):
    from jinja2 import DictLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    sources: dict[str, str] = {}
    for part in (str(stack.config.get("skeleton", SKELETON)), str(stack.config.get("slice", SLICE))):
        folder = stack.folder / part
        if folder.is_dir():
            sources.update(_partials(folder))
    for prefix, files in (("skeleton", stack.skeleton), ("slice", stack.slice)):
        for template in files:
            if template.rendered:
                sources[f"{prefix}/{template.path_template}"] = template.source
    env = SandboxedEnvironment(
        loader=DictLoader(sources),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(
        py_str=pyfmt.py_str,
        toml_str=toml_str,
        yaml_str=yaml_str,
        md_line=md_line,
    )
    env.globals.update(fits=pyfmt.fits, call=pyfmt.call, assign=pyfmt.assign,
                       import_from=pyfmt.import_from, tuple_assign=pyfmt.tuple_assign)
    return env


def _describe(exc: Exception, name: str) -> str:
    line = getattr(exc, "lineno", None)
    where = f"{name}:{line}" if line else name
    message = getattr(exc, "message", None) or str(exc)
    return f"template {where}: {message}".replace("\n", " ")


def _safe_relative(path: str) -> str | None:
    """The normalized path, or None when it is absolute or climbs out of the project."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or ".." in pure.parts or "\\" in path:
        return None
    return pure.as_posix()


class Renderer:
    """Renders a stack's templates; problems accumulate in `problems` instead of raising."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.problems: list[str] = []
        self.env = _environment(stack)
        self._compiled: dict[str, Any] = {}
        self._paths: dict[str, Any] = {}

    def _template(self, name: str):
        if name not in self._compiled:
            from jinja2 import TemplateError

            try:
                self._compiled[name] = self.env.get_template(name)
            except TemplateError as exc:
                self.problems.append(_describe(exc, f"{self.stack.name}/{name}"))
                self._compiled[name] = None
        return self._compiled[name]

    def _render_path(self, template_path: str, context: dict[str, Any], label: str) -> str | None:
        from jinja2 import TemplateError

        try:
            if template_path not in self._paths:
                self._paths[template_path] = self.env.from_string(template_path)
            rendered = self._paths[template_path].render(context)
        except TemplateError as exc:
            self.problems.append(_describe(exc, f"{self.stack.name}/{label} (path)"))
            return None
        path = _safe_relative(rendered)
        if path is None:
            self.problems.append(f"template {self.stack.name}/{label}: path {rendered!r} leaves the project")
        return path

    def render_files(
        self, part: str, files: list[TemplateFile], context: dict[str, Any], owner: str
    ) -> list[RenderedFile]:
        from jinja2 import TemplateError

        out = []
        for template in files:
            label = f"{part}/{template.path_template}"
            path = self._render_path(template.path_template, context, label)
            if not template.rendered:
                content: str | None = template.source
            else:
                compiled = self._template(label)
                content = None
                if compiled is not None:
                    try:
                        content = compiled.render(context)
                    except TemplateError as exc:
                        self.problems.append(_describe(exc, f"{self.stack.name}/{label}"))
                    except (TypeError, ValueError, KeyError, AttributeError) as exc:
                        self.problems.append(f"template {self.stack.name}/{label}: {exc}")
            # A template that renders to nothing at all is not output: that is how a file exists
            # only under a condition (`{% if app.auth %}...{% endif %}` around all of it).
            if path is not None and content is not None and (content or not template.rendered):
                out.append(RenderedFile(path, content, owner))
        return out

    def skeleton(self, app: dict[str, Any]) -> list[RenderedFile]:
        return self.render_files("skeleton", self.stack.skeleton, {"app": app}, "")

    def feature(self, app: dict[str, Any], feature: dict[str, Any]) -> list[RenderedFile]:
        files = self.render_files(
            "slice", self.stack.slice, {"app": app, "feature": feature}, feature["name"]
        )
        root = self.stack.slice_root.format(name=feature["name"]) + "/"
        for rendered in files:
            if not rendered.path.startswith(root):
                self.problems.append(
                    f"template {self.stack.name}/slice: {rendered.path} is outside the slice "
                    f"folder {root}"
                )
        return files
