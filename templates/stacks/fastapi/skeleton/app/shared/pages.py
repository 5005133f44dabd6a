"""Server-rendered HTML pages: the shared layout and navigation, and the list, detail, form and
delete pages each slice builds from its own schemas and services.

Templates are Jinja2 with autoescape on, so every value is escaped and a slice cannot forget to.
A slice keeps its page templates in its own `templates/` folder (looked up first) and extends
`layout.html` from `app/shared/templates/`; the stylesheet, the prototype's, is
`app/shared/static/style.css`, served at /static/style.css, with the prototype's brand colour in
`static/theme.css` and its layout and style as classes of the page body (`app/shared/site.py`).
The home page, /ui, links every slice's pages; / leads there.

Forms are checked with the slice's pydantic schemas, so a form shows the API's own errors.
CSRF: every form renders `csrf_field()` and every posted form goes through `read_form`, which
calls `check_csrf`. The token is an HMAC (keyed by SECRET_KEY) of the session cookie once the
person is signed in, of the browser's own random `csrf` cookie before: a site that makes the
browser post here cannot read either cookie, so it cannot send the matching token."""

import datetime as dt
import enum
import functools
import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.shared.errors import ConflictError, InvalidReferenceError
from app.shared.references import choices
from app.shared.schemas import MAX_BIGINT, ListQuery
from app.shared.site import BODY_CLASS, DESCRIPTION

SHARED_FOLDER = Path(__file__).resolve().parent
STATIC_FOLDER = SHARED_FOLDER / "static"
TEMPLATES_FOLDER = SHARED_FOLDER / "templates"
STATIC_URL = "/static"
PAGES_URL = "/ui"
HOME_URL = PAGES_URL  # the home page: a card per slice
SESSION_COOKIE = "session"  # the signed-in person's session token (app/shared/auth.py)
CSRF_COOKIE = "csrf"  # a random value per browser, the CSRF token's key before sign-in
CSRF_FIELD = "csrf_token"
PAGE_SIZE = 20
MAX_PAGE = MAX_BIGINT // PAGE_SIZE
OVERVIEW_ROWS = 5
PICKER_ROWS = 200  # a reference picker lists this many rows, newest first (and the current one)
MAX_FORM_FIELDS = 200
LIST_TEXT = 80  # longer text is cut in list cells
RANGE_LABELS = {"_min": "from", "_max": "to"}
INPUT_TYPES = {
    "int": "number",
    "float": "number",
    "money": "number",
    "ref": "number",
    "email": "email",
    "url": "url",
    "date": "date",
    "datetime": "datetime-local",
    "bool": "checkbox",
}
STEPS = {"int": "1", "ref": "1", "float": "any", "money": "0.01", "datetime": "1"}
# What an HTML datetime-local input sends: no offset, read as UTC (the page says so).
LOCAL_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
INTEGER = re.compile(r"[+-]?[0-9]+")
FormValues = dict[str, str]  # a posted form: field name -> the text sent
Errors = dict[str, list[str]]  # field name ("" for the whole form) -> messages


@dataclass(frozen=True)
class NavLink:
    title: str
    url: str


# Filled at import by each slice's ui.py, in the order main.py imports them.
navigation: list[NavLink] = []
account_links: list[NavLink] = []  # shown at the end of the navigation (sign-in)
entity_urls: dict[str, str] = {}  # entity -> its list page, where a reference field links


def register_link(title: str, url: str) -> None:
    link = NavLink(title, url)
    if link not in navigation:
        navigation.append(link)


def register_account_link(title: str, url: str) -> None:
    link = NavLink(title, url)
    if link not in account_links:
        account_links.append(link)


@dataclass(frozen=True)
class FormField:
    """A field of an entity as its pages show it: `kind` is the app spec's type."""

    name: str
    label: str
    kind: str
    optional: bool = False
    choices: tuple[str, ...] = ()  # the values of an enum
    ref: str | None = None  # the entity a ref field names

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.kind, "text")

    @property
    def step(self) -> str | None:
        return STEPS.get(self.kind)


@dataclass(frozen=True)
class EntityView:
    """An entity's pages: its list at `url`, the fields its forms hold, and the slice's schemas
    that check a form (`create`) and a list's query (`filter`)."""

    name: str
    title: str
    url: str
    fields: tuple[FormField, ...]
    create: type[BaseModel]
    filter: type[ListQuery]

    @property
    def filters(self) -> tuple[FormField, ...]:
        """The list's filters: every query parameter of the API's list route but `sort`."""
        by_name = {field.name: field for field in self.fields}
        found = []
        for name in self.filter.model_fields:
            if name == "q":
                found.append(FormField("q", "Search", "str", optional=True))
                continue
            base, suffix = _range_base(name, by_name)
            field = by_name.get(base)
            if field is None:
                continue
            label = f"{field.label} {RANGE_LABELS[suffix]}" if suffix else field.label
            found.append(FormField(name, label, field.kind, True, field.choices, field.ref))
        return tuple(found)

    @property
    def sorts(self) -> list[str]:
        annotation = self.filter.model_fields["sort"].annotation
        return [str(member.value) for member in cast(type[enum.Enum], annotation)]

    @property
    def default_sort(self) -> str:
        return str(self.filter.model_fields["sort"].get_default(call_default_factory=False))


def _range_base(name: str, fields: Mapping[str, FormField]) -> tuple[str, str]:
    for suffix in RANGE_LABELS:
        base = name.removesuffix(suffix)
        if base != name and base in fields:
            return base, suffix
    return name, ""


def _escaped(value: object) -> object:
    """Every value printed escaped as `html.escape` does (quotes too), before autoescape."""
    if isinstance(value, Markup):
        return value
    return Markup(escape(str(value)))  # nosec B704: the text is escaped on this very line


def _csrf_seed(request: Request) -> str:
    seed = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    return seed or str(getattr(request.state, "csrf_seed", ""))


def csrf_token(request: Request) -> str:
    """The token this browser's forms carry: bound to its session (or its csrf cookie)."""
    key = str(request.app.state.secret_key).encode("utf-8")
    return hmac.new(key, _csrf_seed(request).encode("utf-8"), hashlib.sha256).hexdigest()


@pass_context
def csrf_field(context: Mapping[str, Any]) -> Markup:
    """The hidden CSRF input every form renders."""
    token = csrf_token(context["request"])
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">')  # nosec B704: hex


def check_csrf(request: Request, form: dict[str, str]) -> None:
    """A posted form must carry its page's CSRF token (403 otherwise); the token is then
    taken out of the form, which holds only the fields after this."""
    sent = form.pop(CSRF_FIELD, "")
    if not _csrf_seed(request) or not hmac.compare_digest(sent, csrf_token(request)):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")


def install_csrf_cookie(app: FastAPI, secure: bool) -> None:
    """Give every browser that opens a page its random `csrf` cookie (HttpOnly, SameSite=Lax,
    Secure in production), so even the sign-in form is protected."""

    @app.middleware("http")
    async def csrf_cookie(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        fresh = None
        if request.url.path.startswith(PAGES_URL) and not request.cookies.get(CSRF_COOKIE):
            fresh = secrets.token_urlsafe(32)
            request.state.csrf_seed = fresh
        response = await call_next(request)
        if fresh is not None:
            response.set_cookie(
                CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=secure, path="/"
            )
        return response


async def read_form(request: Request) -> FormValues:
    """The posted form (application/x-www-form-urlencoded), checked for CSRF."""
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:
        raise HTTPException(400, "the form has too many fields") from error
    # A multiple select (a refs field) sends its name once per chosen row: joined with commas.
    form: dict[str, str] = {}
    for name, value in pairs:
        form[name] = f"{form[name]},{value}" if name in form else value
    check_csrf(request, form)
    return form


def shown(field: FormField, value: object) -> str:
    """A value as a page shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def cell(field: FormField, value: object) -> str:
    text = shown(field, value)
    return text if len(text) <= LIST_TEXT else text[: LIST_TEXT - 1] + "…"


def form_text(field: FormField, value: object) -> str:
    """A stored value as its form input holds it."""
    if value is None or value is False:
        return ""
    if value is True:
        return "on"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date | Decimal):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def typed(kind: str, text: str) -> object:
    """The JSON value the API would be sent for a form's text: numbers as numbers, a
    datetime-local as UTC. What does not parse stays text, and the schema says why."""
    if kind in ("int", "ref") and INTEGER.fullmatch(text):
        return int(text)
    if kind in ("int", "ref", "float"):
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "datetime" and LOCAL_DATETIME.fullmatch(text):
        return text + "+00:00"
    return text


def form_body(fields: Sequence[FormField], form: Mapping[str, str]) -> dict[str, object]:
    """The body a form stands for: a checkbox is true when sent; an empty optional field is
    null and an empty required one is left out (the schema then says it is required)."""
    body: dict[str, object] = {}
    for field in fields:
        text = form.get(field.name, "")
        if field.kind == "bool":
            body[field.name] = field.name in form
        elif field.kind == "refs":  # the chosen rows; none chosen is no links
            body[field.name] = [typed("ref", part) for part in text.split(",") if part]
        elif text:
            body[field.name] = typed(field.kind, text)
        elif field.optional:
            body[field.name] = None
    return body


def error_messages(error: ValidationError) -> Errors:
    errors: Errors = {}
    for problem in error.errors():
        where = str(problem["loc"][0]) if problem["loc"] else ""
        errors.setdefault(where, []).append(problem["msg"])
    return errors


def query_url(url: str, params: Mapping[str, str]) -> str:
    kept = {name: value for name, value in params.items() if value}
    return f"{url}?{urlencode(kept)}" if kept else url


def _page_number(text: str | None) -> int:
    number = int(text) if text and text.isdigit() else 1
    return min(max(number, 1), MAX_PAGE)


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    params: Mapping[str, str]  # the list's filters and sort, kept on every link
    url: str

    def link(self, page: int) -> str:
        return query_url(self.url, {**self.params, "page": str(page) if page > 1 else ""})

    @property
    def numbers(self) -> list[int]:
        """The page numbers to link: the first, the last and two either side of this one."""
        near = range(max(self.page - 2, 1), min(self.page + 2, self.pages) + 1)
        return sorted({1, self.pages, *near})


Lister = Callable[..., tuple[Sequence[Any], int]]  # a slice's list service, its session bound
Section = tuple[EntityView, Lister]


def page_templates(*folders: Path) -> Environment:
    """The page templates of `folders`, then the shared ones, escaped on output."""
    templates = Environment(
        loader=FileSystemLoader([*folders, TEMPLATES_FOLDER]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_escaped,
    )
    templates.globals.update(
        navigation=navigation,
        account_links=account_links,
        static=STATIC_URL,
        home=HOME_URL,
        body_class=BODY_CLASS,
        csrf_field=csrf_field,
        cell=cell,
        shown=shown,
        ref_url=ref_url,
    )
    return templates


@functools.cache
def _shared_templates() -> Environment:
    return page_templates()


def render_page(
    templates: Environment, request: Request, name: str, status: int, section: str, **values: Any
) -> HTMLResponse:
    """The page `name` in the layout, `section` marked in the navigation."""
    template = templates.get_template(name)
    page = template.render(request=request, app_title=request.app.title, section=section, **values)
    return HTMLResponse(page, status_code=status)


def shared_page(
    request: Request, name: str, status: int, section: str, **values: Any
) -> HTMLResponse:
    """A page of the shared templates (the app's own answers, such as sign-in)."""
    return render_page(_shared_templates(), request, name, status, section, **values)


class SlicePages:
    """The pages of one slice: its templates folder (then the shared one) and its title."""

    def __init__(self, module_file: str, title: str, url: str, navigation: bool = True) -> None:
        self.title = title
        self.url = url
        self.templates = page_templates(Path(module_file).resolve().parent / "templates")
        if navigation:
            register_link(title, url)

    def entity(self, view: EntityView) -> None:
        """Register an entity's pages: a reference field elsewhere links to them."""
        entity_urls[view.name] = view.url

    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        return render_page(self.templates, request, name, status, self.url, **values)

    def overview(self, request: Request, sections: Sequence[Section]) -> HTMLResponse:
        """The slice's page: the newest rows of each entity, with links to the rest."""
        shown_sections = []
        for view, lister in sections:
            items, total = lister(view.filter(), limit=OVERVIEW_ROWS, offset=0)
            shown_sections.append({"view": view, "rows": items, "total": total})
        return self.render(request, "index.html", title=self.title, sections=shown_sections)

    def list_page(
        self, request: Request, session: Session, view: EntityView, lister: Lister
    ) -> HTMLResponse:
        """One page of the entity's rows, filtered and sorted as the query says."""
        query = request.query_params
        filters = view.filters
        values = {field.name: query.get(field.name, "") for field in filters}
        sort = query.get("sort", "")
        sort = sort if sort in view.sorts else view.default_sort
        params = {name: str(typed_filter(filters, name, text)) for name, text in values.items()}
        params = {name: value for name, value in params.items() if value}
        errors: Errors = {}
        items: Sequence[Any] = []
        total = 0
        page = _page_number(query.get("page"))
        try:
            parsed = view.filter.model_validate({**params, "sort": sort})
        except ValidationError as error:
            errors = error_messages(error)
        else:
            offset = (page - 1) * PAGE_SIZE
            items, total = lister(parsed, limit=PAGE_SIZE, offset=offset)
        kept = {**values, "sort": sort if sort != view.default_sort else ""}
        pager = Pager(page, max(math.ceil(total / PAGE_SIZE), 1), total, kept, view.url)
        return self.render(
            request,
            "list.html",
            status=422 if errors else 200,
            title=view.title,
            view=view,
            filters=filters,
            values=values,
            errors=errors,
            items=items,
            pager=pager,
            sort=sort,
            sort_links=self._sort_links(view, kept, sort),
            options=self._options(session, filters, values),
        )

    def _sort_links(self, view: EntityView, kept: Mapping[str, str], sort: str) -> dict[str, str]:
        """For each sortable column, the link that sorts by it (again: the other way)."""
        links = {}
        for name in ("id", *(field.name for field in view.fields)):
            if name not in view.sorts:
                continue
            wanted = "-" + name if sort == name else name
            links[name] = query_url(view.url, {**kept, "sort": wanted})
        return links

    def _options(
        self, session: Session, fields: Sequence[FormField], values: Mapping[str, str]
    ) -> dict[str, list[tuple[str, str]]]:
        """The choices of each picker: an enum's values, or rows of the referenced entity."""
        options: dict[str, list[tuple[str, str]]] = {}
        for field in fields:
            if field.kind == "enum":
                options[field.name] = [(value, value) for value in field.choices]
            elif field.kind in ("ref", "refs") and field.ref is not None:
                rows = [(str(i), label) for i, label in choices(session, field.ref, PICKER_ROWS)]
                listed = {value for value, _label in rows}
                for current in values.get(field.name, "").split(","):
                    if current and current not in listed:
                        rows.append((current, current))
                options[field.name] = rows
        return options

    def detail_page(self, request: Request, view: EntityView, item: Any) -> HTMLResponse:
        return self.render(request, "detail.html", title=view.title, view=view, item=item)

    def form_page(
        self,
        request: Request,
        session: Session,
        view: EntityView,
        item: Any = None,
        values: Mapping[str, str] | None = None,
        errors: Errors | None = None,
    ) -> HTMLResponse:
        """The create form (no item) or the edit form of `item`; after a refused post, the
        values typed and the errors next to their fields."""
        if values is None:
            values = {f.name: form_text(f, getattr(item, f.name, None)) for f in view.fields}
        action = f"{view.url}/{item.id}/edit" if item is not None else f"{view.url}/new"
        return self.render(
            request,
            "form.html",
            status=422 if errors else 200,
            title=view.title,
            view=view,
            item=item,
            action=action,
            values=values,
            errors=errors or {},
            options=self._options(session, view.fields, values),
        )

    def save(
        self,
        request: Request,
        session: Session,
        view: EntityView,
        form: Mapping[str, str],
        write: Callable[[Any], Any],
        item: Any = None,
    ) -> Response:
        """Check the form with the entity's schema and `write` it; then show the saved item,
        or the form again with the errors the API would answer."""
        values = {field.name: form.get(field.name, "") for field in view.fields}
        try:
            saved = write(view.create.model_validate(form_body(view.fields, form)))
        except ValidationError as error:
            errors = error_messages(error)
        except InvalidReferenceError as error:
            errors = {error.field: [str(error)]}
        except ConflictError as error:
            errors = {"": [str(error)]}
        else:
            return RedirectResponse(f"{view.url}/{saved.id}", status_code=303)
        return self.form_page(request, session, view, item, values, errors)

    def confirm_delete_page(
        self, request: Request, view: EntityView, item: Any, error: str = ""
    ) -> HTMLResponse:
        status = 409 if error else 200
        return self.render(
            request, "delete.html", status, title=view.title, view=view, item=item, error=error
        )

    def delete(
        self, request: Request, view: EntityView, item: Any, remove: Callable[[], None]
    ) -> Response:
        """Delete after the confirmation step; a row others still refer to stays, and the
        confirmation page says why."""
        try:
            remove()
        except ConflictError as error:
            return self.confirm_delete_page(request, view, item, str(error))
        return RedirectResponse(view.url, status_code=303)


def typed_filter(filters: Sequence[FormField], name: str, text: str) -> str:
    """A filter's text as the API's query would hold it (a datetime-local read as UTC)."""
    kind = next(field.kind for field in filters if field.name == name)
    if kind == "datetime" and LOCAL_DATETIME.fullmatch(text):
        return text + "+00:00"
    return text


def ref_url(field: FormField, value: object) -> str | None:
    """The detail page of the row a reference names, when its slice has pages."""
    url = entity_urls.get(field.ref or "")
    return None if url is None or value is None else f"{url}/{value}"


home = APIRouter(include_in_schema=False)


@home.get("/")
def root() -> RedirectResponse:
    """The app's address leads to its home page."""
    return RedirectResponse(HOME_URL, status_code=303)


@home.get(HOME_URL, response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    """Every slice's pages, one card each, in the navigation's order."""
    return shared_page(request, "home.html", 200, HOME_URL, title="Home", description=DESCRIPTION)
