"""The clickable static prototype: plain HTML and CSS, one page per feature, no network.

Every piece of user text is escaped with `html.escape`, so an answer that contains markup or
template syntax shows up as text. Pages link to each other with relative links only.
"""

from __future__ import annotations

from html import escape

from bmadgen.appspec import EntitySpec, FieldSpec
from bmadgen.plan import Plan, PlannedFeature, page_name

INPUT_TYPES = {"int": "number", "float": "number", "date": "date", "datetime": "datetime-local",
               "bool": "checkbox", "str": "text", "ref": "number"}

CSS = """:root {{ --brand: {brand}; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: #222; background: #fafafa; }}
nav {{ background: var(--brand); padding: 8px 16px; }}
nav a {{ color: #fff; margin-right: 16px; text-decoration: none; }}
nav a.current {{ font-weight: bold; text-decoration: underline; }}
body.sidebar {{ display: flex; }}
body.sidebar nav {{ width: 200px; min-height: 100vh; }}
body.sidebar nav a {{ display: block; margin: 8px 0; }}
main {{ padding: 16px 24px; flex: 1; max-width: 960px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 16px; }}
.card {{ background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 16px; width: 280px; }}
table {{ border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 16px; }}
th, td {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; }}
form {{ background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 16px; }}
label {{ display: block; margin: 8px 0; }}
.button {{ display: inline-block; background: var(--brand); color: #fff; padding: 8px 16px;
          border-radius: 4px; text-decoration: none; }}
body.playful .card, body.playful form {{ border-radius: 20px; }}
body.corporate {{ font-family: Georgia, serif; }}
"""


def build(plan: Plan) -> dict[str, str]:
    """relative path (under the project folder) -> file content."""
    brand = plan.answer("prototype", "brand_color", "#2a6f97")
    files = {"prototype/style.css": CSS.format(brand=brand),
             "prototype/index.html": _index(plan)}
    for feature in plan.features:
        files[f"prototype/{page_name(feature.name)}"] = _feature_page(plan, feature)
    return dict(sorted(files.items()))


def _page(plan: Plan, current: str, title: str, body: str) -> str:
    links = [f'<a href="index.html"{_current(current, "index.html")}>Home</a>']
    for feature in plan.features:
        page = page_name(feature.name)
        links.append(f'<a href="{page}"{_current(current, page)}>{escape(feature.title)}</a>')
    classes = f"{plan.answer('prototype', 'layout', 'top-nav')} " \
              f"{plan.answer('prototype', 'style', 'clean')}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(title)} - {escape(plan.title)}</title>\n"
        "<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n"
        f"<body class=\"{escape(classes)}\">\n<nav>{' '.join(links)}</nav>\n"
        f"<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _current(current: str, page: str) -> str:
    return ' class="current"' if current == page else ""


def _index(plan: Plan) -> str:
    cards = "".join(
        f'<div class="card"><h2>{escape(f.title)}</h2><p>{escape(f.description)}</p>'
        f'<a class="button" href="{page_name(f.name)}">Open {escape(f.title)}</a></div>\n'
        for f in plan.features
    )
    body = (f"<h1>{escape(plan.title)}</h1>\n"
            f"<p>{escape(plan.answer('vision', 'summary', ''))}</p>\n"
            f'<div class="cards">\n{cards}</div>\n')
    return _page(plan, "index.html", "Home", body)


def _feature_page(plan: Plan, feature: PlannedFeature) -> str:
    page = page_name(feature.name)
    parts = [f"<h1>{escape(feature.title)}</h1>\n<p>{escape(feature.description)}</p>\n"]
    for entity in feature.entities:
        parts.append(_entity_table(entity) + _entity_form(entity, page))
    return _page(plan, page, feature.title, "".join(parts))


def _entity_table(entity: EntitySpec) -> str:
    label = escape(entity.title or entity.name)
    head = "".join(f"<th>{escape(f.name)}</th>" for f in entity.fields)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_sample(f, n))}</td>" for f in entity.fields) + "</tr>\n"
        for n in (1, 2)
    )
    return (f"<h2>{label} list</h2>\n<table>\n<tr>{head}</tr>\n{rows}</table>\n"
            f'<p><a class="button" href="#new-{escape(entity.name)}">New {label}</a></p>\n')


def _entity_form(entity: EntitySpec, page: str) -> str:
    fields = "".join(_input(f) for f in entity.fields)
    return (f'<form id="new-{escape(entity.name)}" action="{page}" method="get">\n'
            f"<h2>New {escape(entity.title or entity.name)}</h2>\n{fields}"
            '<button type="submit">Save</button>\n</form>\n')


def _input(field: FieldSpec) -> str:
    name = escape(field.name)
    required = "" if field.optional else " required"
    if field.type == "enum":
        options = "".join(f"<option>{escape(v)}</option>" for v in field.values or [])
        control = f'<select name="{name}"{required}>{options}</select>'
    elif field.type == "text":
        control = f'<textarea name="{name}"{required}></textarea>'
    else:
        kind = INPUT_TYPES.get(field.type, "text")
        control = f'<input type="{kind}" name="{name}"{required if kind != "checkbox" else ""}>'
    hint = " (id)" if field.type == "ref" else ""
    return f"<label>{name}{hint} {control}</label>\n"


def _sample(field: FieldSpec, n: int) -> str:
    if field.type == "enum":
        values = field.values or [""]
        return values[(n - 1) % len(values)]
    if field.type in ("int", "float"):
        low = field.min if field.min is not None else 0
        value = low + n * (10 if field.type == "int" else 9.5)
        if field.max is not None:
            value = min(value, field.max)
        return f"{value:g}" if field.type == "float" else str(int(value))
    return {
        "bool": "yes" if n == 1 else "no",
        "date": f"2026-01-{n:02d}",
        "datetime": f"2026-01-{n:02d} 10:00",
        "ref": str(n),
    }.get(field.type, f"{field.name.replace('_', ' ')} {n}")
