"""The clickable static prototype: plain HTML and CSS, one page per feature, no network.

Every piece of user text is escaped with `html.escape`, so an answer that contains markup or
template syntax shows up as text. Pages link to each other with relative links only.
"""

from __future__ import annotations

from html import escape

from bmadgen.appspec import EntitySpec, FieldSpec
from bmadgen.plan import Plan, PlannedFeature, page_name
from bmadgen.resources import templates_root

INPUT_TYPES = {"int": "number", "float": "number", "date": "date", "datetime": "datetime-local",
               "bool": "checkbox", "str": "text", "ref": "number"}

# One stylesheet for the prototype and the generated app: the fastapi stack copies this very file
# into the app (app/shared/static/style.css), so the pages the person approved and the app's
# pages look alike. The prototype sets its own brand colour in the first rule.
STYLESHEET = ("stacks", "fastapi", "skeleton", "app", "shared", "static", "style.css")
DEFAULT_BRAND = "#2a6f97"


def stylesheet(brand: str = DEFAULT_BRAND) -> str:
    """The shared stylesheet with `brand` as the `--brand` colour of its first rule."""
    text = templates_root().joinpath(*STYLESHEET).read_text(encoding="utf-8")
    first, rest = text.split("\n", 1)
    return first.replace(DEFAULT_BRAND, brand) + "\n" + rest


def build(plan: Plan) -> dict[str, str]:
    """relative path (under the project folder) -> file content."""
    brand = plan.answer("prototype", "brand_color", DEFAULT_BRAND)
    files = {"prototype/style.css": stylesheet(brand),
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
    name = escape(entity.name)
    label = escape(entity.title or entity.name)
    head = "".join(f"<th>{escape(f.name)}</th>" for f in entity.fields) + "<th></th>"
    actions = (f'<td><a href="#view-{name}">View</a> <a href="#edit-{name}">Edit</a></td>')
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_sample(f, n))}</td>" for f in entity.fields)
        + actions + "</tr>\n"
        for n in (1, 2)
    )
    return (f"<h2>{label} list</h2>\n<table>\n<tr>{head}</tr>\n{rows}</table>\n"
            f'<p><a class="button" href="#new-{name}">New {label}</a></p>\n'
            + _entity_detail(entity))


def _entity_detail(entity: EntitySpec) -> str:
    """The first sample record as a detail view, with a link to its edit form."""
    name = escape(entity.name)
    items = "".join(f"<dt>{escape(f.name)}</dt><dd>{escape(_sample(f, 1))}</dd>"
                    for f in entity.fields)
    return (f'<section id="view-{name}" class="detail">\n'
            f"<h2>{escape(entity.title or entity.name)} 1</h2>\n<dl>{items}</dl>\n"
            f'<p><a class="button" href="#edit-{name}">Edit</a></p>\n</section>\n')


def _entity_form(entity: EntitySpec, page: str) -> str:
    name = escape(entity.name)
    label = escape(entity.title or entity.name)
    new = "".join(_input(f) for f in entity.fields)
    edit = "".join(_input(f, _sample(f, 1)) for f in entity.fields)
    return (f'<form id="new-{name}" action="{page}" method="get">\n'
            f"<h2>New {label}</h2>\n{new}"
            '<button type="submit">Save</button>\n</form>\n'
            f'<form id="edit-{name}" action="{page}" method="get">\n'
            f"<h2>Edit {label} 1</h2>\n{edit}"
            '<button type="submit">Save</button>\n</form>\n')


MONEY_WORDS = ("price", "total", "amount", "cost", "fee", "balance", "salary", "budget")
INPUT_KINDS = {"email": "email", "url": "url", "money": "number"}


def _is_money(field: FieldSpec) -> bool:
    return field.type == "money" or (field.type == "float"
                                     and any(w in field.name for w in MONEY_WORDS))


def _constraints(field: FieldSpec, kind: str) -> str:
    """The spec's rules as the browser's own: step, min, max, maxlength, required."""
    attrs = []
    if kind == "number":
        attrs.append('step="0.01"' if _is_money(field)
                     else 'step="1"' if field.type in ("int", "ref") else 'step="any"')
        if field.min is not None:
            attrs.append(f'min="{field.min:g}"')
        if field.max is not None:
            attrs.append(f'max="{field.max:g}"')
    if field.max_length and kind in ("text", "email", "url", "textarea"):
        attrs.append(f'maxlength="{field.max_length}"')
    if not field.optional and kind != "checkbox":
        attrs.append("required")
    return "".join(" " + a for a in attrs)


def _input(field: FieldSpec, value: str | None = None) -> str:
    name = escape(field.name)
    if field.type in ("enum", "ref"):
        choices = (field.values or []) if field.type == "enum" else [
            f"{field.ref or 'record'} {n}" for n in (1, 2, 3)]
        options = "".join(_option(i, c, field.type == "ref", value)
                          for i, c in enumerate(choices, start=1))
        blank = '<option value="">(none)</option>' if field.optional else ""
        control = (f'<select name="{name}"{_constraints(field, "select")}>'
                   f"{blank}{options}</select>")
    elif field.type == "text":
        control = (f'<textarea name="{name}"{_constraints(field, "textarea")}>'
                   f"{escape(value or '')}</textarea>")
    else:
        kind = INPUT_KINDS.get(field.type) or INPUT_TYPES.get(field.type, "text")
        if kind == "text" and "email" in field.name:
            kind = "email"
        shown = ""
        if value is not None and kind == "checkbox":
            shown = " checked" if value == "yes" else ""
        elif value is not None:
            shown = f' value="{escape(value.replace(" ", "T") if kind == "datetime-local" else value)}"'
        control = f'<input type="{kind}" name="{name}"{_constraints(field, kind)}{shown}>'
    hint = f" ({escape(field.ref or '')})" if field.type == "ref" else ""
    return f"<label>{name}{hint} {control}</label>\n"


def _option(index: int, choice: str, by_id: bool, selected: str | None) -> str:
    """A picker's option: an enum member, or a referenced record whose value is its id."""
    attrs = f' value="{index}"' if by_id else ""
    if selected is not None and choice == selected:
        attrs += " selected"
    return f"<option{attrs}>{escape(choice)}</option>"


FIRST_NAMES = ("Alex Morgan", "Sam Lee", "Robin Diaz")
SAMPLE_WORDS = {
    "title": ("Getting Started", "A Second Look", "Field Notes"),
    "name": ("Essentials", "Everyday", "Studio"),
    "description": ("A short description of the first one.", "A longer note about the second.",
                    "The third, in brief."),
    "city": ("Lisbon", "Oslo", "Kyoto"),
    "phone": ("+1 555 0101", "+1 555 0102", "+1 555 0103"),
}


def _sample(field: FieldSpec, n: int) -> str:
    """A value that looks like the field: a price like a price, an email like an email."""
    if field.type == "enum":
        values = field.values or [""]
        return values[(n - 1) % len(values)]
    if field.type in ("int", "float", "money"):
        low = field.min if field.min is not None else 0
        step = (12.5, 24.99, 7.25)[(n - 1) % 3] if _is_money(field) else (
            10 if field.type == "int" else 9.5) * n
        value = low + step
        if field.max is not None:
            value = min(value, field.max)
        if _is_money(field):
            return f"{value:.2f}"
        return f"{value:g}" if field.type == "float" else str(int(value))
    if field.type in ("str", "text", "email", "url"):
        return _sample_text(field, n)
    return {
        "bool": "yes" if n == 1 else "no",
        "date": f"2026-01-{n:02d}",
        "datetime": f"2026-01-{n:02d} 10:00",
        "ref": f"{field.ref or 'record'} {n}",
    }.get(field.type, f"{field.name.replace('_', ' ')} {n}")


def _sample_text(field: FieldSpec, n: int) -> str:
    name = field.name
    if field.type == "email" or "email" in name:
        text = f"{FIRST_NAMES[(n - 1) % 3].split()[0].lower()}{n}@example.com"
    elif field.type == "url" or name in ("url", "website", "link"):
        text = f"https://example.com/item-{n}"
    elif "full_name" in name or name in ("author", "owner", "customer_name", "contact"):
        text = FIRST_NAMES[(n - 1) % 3]
    elif "slug" in name:
        text = f"item-{n}"
    else:
        words = next((v for k, v in SAMPLE_WORDS.items() if k in name), None)
        text = words[(n - 1) % 3] if words else f"{name.replace('_', ' ')} {n}"
    return text[: field.max_length] if field.max_length else text
