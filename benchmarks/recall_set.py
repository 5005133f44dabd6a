"""A question set for recall: synthetic project memories with planted facts, and natural
questions whose answer is exactly one memory.

Each planted fact is a memory; its question asks for it the way a person would ("how fast do
refunds get processed?"), mostly with other word forms than the fact uses ("processed" against
"process"), so recall must rank, stem and tolerate words the fact does not contain. The filler
memories are what a project's memory fills with: notes that mention the same topics (refunds,
the database, the logo ...) in other contexts, so every question's words match many memories
and only the planted one answers it.

`build(size, seed)` returns the memories (planted facts spread among the fillers, with random
importance and age) and the questions with the index of their answer. Used by
benchmarks/bench_mcp.py and, at a small size, by tests/mcp_server/test_recall_quality.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (question, fact title, fact text)
FACTS: list[tuple[str, str, str]] = [
    ("how fast do refunds get processed?", "Refund timing",
     "Refunds are processed within five business days after the return reaches the warehouse."),
    ("which database do we run in production?", "Production database",
     "Production runs on PostgreSQL 16 with one read replica; SQLite is for local development."),
    ("who approved the logo redesign?", "Logo sign-off",
     "Dana approved the redesigned logo at the March design review."),
    ("what port does the admin dashboard listen on?", "Admin port",
     "The admin dashboard listens on port 8443 behind the nginx proxy."),
    ("how long do login sessions last?", "Session lifetime",
     "A login session expires after 14 days of inactivity; then the user must log in again."),
    ("which provider bills the subscriptions?", "Subscription billing",
     "Subscriptions are billed through Paddle; one-off card payments stay on Stripe."),
    ("when are the database backups taken?", "Backup schedule",
     "Database backups are taken nightly at 02:00 UTC and kept for 30 days."),
    ("how large can product image uploads be?", "Image upload limit",
     "Product image uploads are limited to 8 MB each; bigger files are rejected."),
    ("why did we drop graphql?", "GraphQL decision",
     "We dropped GraphQL because caching its queries at the edge was too hard; the API is REST."),
    ("which font do headings use?", "Heading typeface",
     "Headings use the Inter font at weight 700; body text uses the system font stack."),
    ("how many times is a failed webhook retried?", "Webhook retries",
     "Failed webhooks are retried 6 times with exponential backoff, then parked for review."),
    ("where do the invoice pdfs get stored?", "Invoice storage",
     "Invoice PDFs are stored in the S3 bucket acme-invoices, one folder per year."),
    ("what gets printed on the packing slips?", "Packing slip contents",
     "Each packing slip prints the order number and a QR code linking to the return form."),
    ("which countries do we ship to?", "Shipping countries",
     "We ship to Canada, Mexico and the United States only."),
    ("what happens when an item is out of stock?", "Out of stock behaviour",
     "When an item's stock reaches zero it is hidden from the catalog and backorders are off."),
    ("how are the passwords hashed?", "Password hashing",
     "Passwords are hashed with argon2id; old bcrypt hashes are rehashed at the next login."),
    ("which service sends the notification emails?", "Email provider",
     "Transactional notification emails are sent through Postmark."),
    ("what is the rate limit of the public api?", "Public API rate limit",
     "The public API allows 120 requests per minute per key and answers 429 beyond that."),
    ("who owns the on-call rotation?", "On-call owner",
     "Priya owns the on-call rotation and publishes it every Monday."),
    ("which timezone are the sales reports generated in?", "Report timezone",
     "All sales reports are generated in Europe/Berlin time, including the monthly ones."),
    ("do discount codes stack?", "Discount stacking",
     "Discount codes never stack: only the largest discount is applied at checkout."),
    ("which browsers do we support?", "Browser support",
     "We support the last two versions of Chrome, Firefox and Safari; no Internet Explorer."),
    ("how often is the mobile app released?", "Mobile release cadence",
     "The mobile app is released every second Thursday after the regression run."),
    ("how long are catalog pages cached?", "Catalog caching",
     "Catalog pages are cached in Redis for ten minutes and purged when a product changes."),
    ("how are translations managed?", "Translation workflow",
     "Translations are managed in Crowdin and synced into the repository weekly."),
    ("what order value gets free delivery?", "Free delivery threshold",
     "Orders above 50 euros get free delivery inside the EU."),
    ("which tool collects the errors?", "Error tracking",
     "Errors are collected by Sentry with a 20 percent sample rate for performance traces."),
    ("how is vat calculated for eu customers?", "EU VAT",
     "EU VAT is calculated at checkout from the customer's shipping country."),
    ("why were the cron jobs moved?", "Cron migration",
     "The cron jobs moved to a Celery beat worker because the old host kept rebooting."),
    ("what colour is the primary button?", "Primary button colour",
     "The primary button colour is #2a6f97 with white text."),
]

# Topics that fillers talk about: they share the facts' words in other contexts.
TOPICS = [
    "refund", "refunds", "database", "logo", "admin dashboard", "session", "subscription",
    "payment", "backup", "product image", "upload", "GraphQL", "font", "webhook", "invoice",
    "packing slip", "shipping", "stock", "catalog", "password", "email", "notification",
    "public API", "rate limit", "on-call", "sales report", "discount code", "checkout",
    "browser", "mobile app", "release", "cache", "translation", "delivery", "error page",
    "VAT", "cron job", "primary button", "colour palette", "search bar", "wishlist",
    "order history", "user profile", "onboarding", "analytics", "dark mode", "sitemap",
    "newsletter", "gift card", "loyalty points", "return form", "warehouse", "supplier",
    "helpdesk", "review widget", "accessibility", "load test", "staging", "CI pipeline",
]
ACTIONS = [
    "Discussed the {t} copy with the support team",
    "The {t} needs a second look before launch",
    "Pushed the {t} ticket to the next sprint",
    "Sketched a new layout for the {t}",
    "Agreed to revisit the {t} after the beta",
    "QA found a small glitch in the {t}",
    "Wrote the first draft of the {t} documentation",
    "Paired on the {t} tests this afternoon",
    "Marketing asked for changes to the {t}",
    "The {t} feature flag is on for internal users",
    "Collected feedback on the {t} from three customers",
    "Renamed a few fields around the {t}",
    "Cleaned up old code in the {t} module",
    "Estimated the {t} work at three points",
    "The {t} demo went well in the review",
]
DETAILS = [
    "", " today", " this week", " with Sam", " for the Berlin office", " before Friday",
    " after lunch", " with the new intern", " as planned", " once more",
]
TITLES = ["Notes on {t}", "{t} follow-up", "{t}", "Meeting: {t}", "Idea: {t}"]
IMPORTANCE = ["low", "medium", "medium", "medium", "high", "critical"]
DAY = 86400.0


@dataclass(frozen=True)
class Item:
    title: str
    content: str
    importance: str
    age_days: float


@dataclass(frozen=True)
class Question:
    text: str
    answer: int  # index into RecallSet.memories


@dataclass(frozen=True)
class RecallSet:
    memories: list[Item]
    questions: list[Question]


def filler(rng: random.Random) -> Item:
    topic = rng.choice(TOPICS)
    text = rng.choice(ACTIONS).format(t=topic) + rng.choice(DETAILS) + "."
    if rng.random() < 0.3:  # a second topic in the same note
        text += " " + rng.choice(ACTIONS).format(t=rng.choice(TOPICS)) + "."
    return Item(title=rng.choice(TITLES).format(t=topic).capitalize(), content=text,
                importance=rng.choice(IMPORTANCE), age_days=rng.uniform(0, 720))


def build(size: int, seed: int = 7) -> RecallSet:
    """`size` memories in all, the planted facts among them, and one question per fact."""
    if size < len(FACTS):
        raise ValueError(f"size must be at least {len(FACTS)}")
    rng = random.Random(seed)
    memories = [filler(rng) for _ in range(size - len(FACTS))]
    positions = sorted(rng.sample(range(size), len(FACTS)))
    questions = []
    for position, (question, title, text) in zip(positions, FACTS, strict=True):
        # Facts are old and of any importance: nothing but their text makes them win.
        memories.insert(position, Item(title=title, content=text,
                                       importance=rng.choice(IMPORTANCE),
                                       age_days=rng.uniform(30, 720)))
        questions.append(Question(text=question, answer=position))
    return RecallSet(memories=memories, questions=questions)
