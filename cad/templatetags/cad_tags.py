"""Template helpers for call taking: evidence highlighted in the narrative, and a generic
renderer for the context panels other apps fill (counts and lists, whatever keys they return)."""

from __future__ import annotations

import re

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from cad.grading.questions import QUESTIONS
from core.timefmt import local_display

register = template.Library()

QUOTES = "\"'“”‘’«»…. "
MAX_DEPTH = 4
MAX_ITEMS = 50


def _fragments(evidence: str) -> list[str]:
    """The quotable parts of an evidence string: the whole, or its quoted / elided pieces."""
    evidence = (evidence or "").strip()
    if not evidence:
        return []
    pieces = [evidence.strip(QUOTES)]
    pieces += [p.strip(QUOTES) for p in re.findall(r"[\"“']([^\"”']{3,})[\"”']", evidence)]
    pieces += [p.strip(QUOTES) for p in re.split(r"\.\.\.|…", evidence)]
    return [p for p in dict.fromkeys(pieces) if len(p) >= 3]


def evidence_spans(narrative: str, assessment: dict | None) -> list[tuple[int, int, str]]:
    """(start, end, css class) for every place a finding's evidence appears in the narrative;
    DA indicators are `evidence`, risk factors `risk`. Overlaps are merged (risk wins)."""
    spans = []
    lower = (narrative or "").lower()
    for key, css in (("indicators", "evidence"), ("risk_factors", "risk")):
        for finding in (assessment or {}).get(key) or []:
            if finding.get("source", "narrative") != "narrative":
                continue
            for piece in _fragments(finding.get("evidence", "")):
                start = lower.find(piece.lower())
                while start != -1:
                    spans.append((start, start + len(piece), css, finding.get("label", "")))
                    start = lower.find(piece.lower(), start + len(piece))
    spans.sort()
    merged: list[list] = []
    for start, end, css, label in spans:
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            last[2] = "risk" if "risk" in (last[2], css) else last[2]
            if label and label not in last[3]:
                last[3] = f"{last[3]}; {label}" if last[3] else label
        else:
            merged.append([start, end, css, label])
    return [tuple(m) for m in merged]


@register.simple_tag
def highlight_evidence(narrative: str, assessment: dict | None = None):
    """The narrative, escaped, with each finding's evidence wrapped in <mark>."""
    narrative = narrative or ""
    out, cursor = [], 0
    for start, end, css, label in evidence_spans(narrative, assessment):
        out.append(escape(narrative[cursor:start]))
        out.append(
            format_html('<mark class="{}" title="{}">{}</mark>', css, label, narrative[start:end])
        )
        cursor = end
    out.append(escape(narrative[cursor:]))
    return mark_safe("".join(str(x) for x in out))  # noqa: S308 (every piece escaped above)


def _label(key) -> str:
    return str(key).replace("_", " ").capitalize()


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "–"
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        return local_display(value)
    return str(value)


def _item(value: dict, depth: int):
    """One record in a list: its `text` (or `summary`) if it has one, else its fields."""
    severity = value.get("severity") or ""
    status = value.get("status") or value.get("kind") or ""
    text = value.get("text") or value.get("summary") or value.get("label")
    badge = format_html('<span class="badge marker">{}</span> ', status) if status else ""
    if text:
        body = format_html("{}{}", badge, text)
        link = value.get("link")
        if isinstance(link, str) and link.startswith("/"):
            body = format_html('{} <a href="{}">open</a>', body, link)
        return format_html('<li class="ctx-item {}">{}</li>', severity, body)
    rest = {k: v for k, v in value.items() if k not in ("severity", "link")}
    return format_html('<li class="ctx-item {}">{}</li>', severity, _render(rest, depth + 1))


def _render(value, depth: int = 0):
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if v is not None and v != ""}
    if depth > MAX_DEPTH:
        return escape(_scalar(value) if not isinstance(value, dict | list) else "…")
    if isinstance(value, dict):
        if not value:
            return format_html('<span class="muted">{}</span>', "none")
        rows = format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            ((_label(k), _render(v, depth + 1)) for k, v in value.items()),
        )
        return format_html('<dl class="ctx">{}</dl>', rows)
    if isinstance(value, list | tuple):
        if not value:
            return format_html('<span class="muted">{}</span>', "none")
        items = [
            _item(v, depth) if isinstance(v, dict) else format_html("<li>{}</li>", _scalar(v))
            for v in value[:MAX_ITEMS]
        ]
        more = len(value) - MAX_ITEMS
        tail = format_html('<li class="muted">… {} more</li>', more) if more > 0 else ""
        return format_html(
            '<span class="ctx-count">{}</span><ul class="ctx-list">{}{}</ul>',
            len(value),
            mark_safe("".join(str(i) for i in items)),  # noqa: S308 (built with format_html)
            tail,
        )
    return escape(_scalar(value))


@register.simple_tag
def render_context(value):
    """Any JSON-like value as HTML: dicts as definition lists, lists with their count."""
    return _render(value)


PANEL_META = {
    "title",
    "provider",
    "check_id",
    "ran_at",
    "ran_by",
    "truncated",
    "empty",
    "empty_text",
    "counts",
    "banners",
    "items",
    "older",
    "links",
}


def _panel_item(item) -> str:
    if not isinstance(item, dict):
        return format_html("<li>{}</li>", _scalar(item))
    parts = []
    label = item.get("label") or item.get("status") or item.get("kind")
    if label:
        parts.append(format_html('<strong class="ctx-label">{}</strong>', label))
    if item.get("text") or item.get("summary"):
        parts.append(format_html("{}", item.get("text") or item.get("summary")))
    if item.get("why") or item.get("why_matched"):
        parts.append(
            format_html(
                '<span class="muted">({})</span>', item.get("why") or item.get("why_matched")
            )
        )
    if item.get("at"):
        parts.append(format_html('<span class="muted mono">{}</span>', _scalar(item["at"])))
    link = item.get("link") or item.get("url")
    if isinstance(link, str) and link.startswith("/"):
        parts.append(format_html('<a href="{}">open</a>', link))
    if not parts:
        return _item(item, 1)
    return format_html(
        '<li class="ctx-item {}">{}</li>',
        item.get("severity") or "",
        mark_safe(" ".join(str(p) for p in parts)),  # noqa: S308 (built with format_html)
    )


@register.simple_tag
def render_panel(provider: str, panel):
    """A provider's panel. Panels that describe themselves (title, counts, items with a
    severity, banners, links, an empty text) are laid out for a glance; anything else is
    rendered generically, so a new provider shows up without a template change."""
    if isinstance(panel, dict) and isinstance(panel.get("panel"), dict):
        # A record that carries its own display panel (e.g. the stored intelligence check).
        panel = panel["panel"]
    if not isinstance(panel, dict) or not ({"title", "items", "counts"} & set(panel)):
        return format_html(
            '<section class="ctx-panel" data-provider="{}"><h4>{}</h4>{}</section>',
            provider,
            _label(provider),
            _render(panel),
        )
    out = [format_html("<h4>{}</h4>", panel.get("title") or _label(provider))]
    out += _panel_head(panel)
    out += _panel_body(panel)
    out += _panel_foot(panel)
    extra = {k: v for k, v in panel.items() if k not in PANEL_META}
    if extra:
        out.append(_render(extra))
    return format_html(
        '<section class="ctx-panel" data-provider="{}">{}</section>',
        provider,
        mark_safe("".join(str(o) for o in out)),  # noqa: S308 (built with format_html)
    )


def _panel_head(panel: dict) -> list:
    """When it ran and by whom, the banners and the counts by kind."""
    out = []
    if panel.get("ran_at"):
        out.append(
            format_html(
                '<p class="muted">Ran {} by {}</p>',
                _scalar(panel["ran_at"]),
                panel.get("ran_by") or "system",
            )
        )
    for banner in panel.get("banners") or []:
        if isinstance(banner, dict):
            out.append(
                format_html(
                    '<div class="banner {}">{}</div>',
                    banner.get("level", "info"),
                    banner.get("text", ""),
                )
            )
    counts = panel.get("counts") or []
    if counts:
        out.append(
            format_html(
                '<p class="ctx-counts">{}</p>',
                format_html_join(
                    " ",
                    '<span class="badge ctx-{}">{}: {}</span>',
                    (
                        (c.get("severity", ""), c.get("label") or c.get("kind"), c.get("count"))
                        for c in counts
                        if isinstance(c, dict)
                    ),
                ),
            )
        )
    return out


def _panel_body(panel: dict) -> list:
    """The items (at most MAX_ITEMS), or the panel's text for "nothing found"."""
    items = panel.get("items") or []
    if not items:
        empty = panel.get("empty_text") or (
            panel["empty"] if isinstance(panel.get("empty"), str) else "Nothing found."
        )
        return [format_html('<p class="muted ctx-empty">{}</p>', empty)]
    rows = [_panel_item(i) for i in items[:MAX_ITEMS]]
    more = len(items) - MAX_ITEMS
    if more > 0:
        rows.append(format_html('<li class="muted">… {} more</li>', more))
    return [
        format_html(
            '<ul class="ctx-list">{}</ul>',
            mark_safe("".join(str(r) for r in rows)),  # noqa: S308 (built with format_html)
        )
    ]


def _panel_foot(panel: dict) -> list:
    """What is older, whether the list was cut short, and the panel's links (same site only)."""
    out = []
    if panel.get("older"):
        out.append(format_html('<p class="muted">{}</p>', _scalar(panel["older"])))
    if panel.get("truncated"):
        out.append(
            format_html(
                '<p class="banner warning">{}</p>', "More found than shown: open the check."
            )
        )
    for link in panel.get("links") or []:
        if isinstance(link, dict) and str(link.get("url", "")).startswith("/"):
            out.append(
                format_html(
                    '<a class="btn small" href="{}">{}</a> ', link["url"], link.get("label", "Open")
                )
            )
    return out


@register.simple_tag
def da_answer_rows(answers) -> list[tuple[str, str, str]]:
    """(code, question, answer) for each DA question answered, in the questions' order."""
    answers = answers if isinstance(answers, dict) else {}
    return [(code, text, answers[code]) for code, text in QUESTIONS if code in answers]


@register.filter
def evidence_quote(text) -> str:
    """Evidence without the quotes the engine may already have put round it."""
    return str(text or "").strip().strip("\"“”'‘’")


@register.filter
def label(key) -> str:
    return _label(key)


@register.simple_tag
def url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
