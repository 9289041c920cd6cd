"""Panels other apps add to the incident page (e.g. dispatch's assign / divert / release).

Like `cad.context`, this keeps `cad` free of imports from the apps above it: they register a
template from their `AppConfig.ready()`, and the incident page includes each one with
`incident` in its context.
"""

_PANELS: dict[str, tuple[int, str, tuple[str, ...]]] = {}


def register_incident_panel(name: str, template: str, order: int = 100, replaces=()) -> None:
    """`replaces`: keys of `cad.context.incident_fields` this panel shows, so the page does not
    also render them generically."""
    _PANELS[name] = (order, template, tuple(replaces))


def incident_panel_templates() -> list[str]:
    return [template for _, template, _ in sorted(_PANELS.values())]


def replaced_fields() -> set[str]:
    return {key for _, _, keys in _PANELS.values() for key in keys}
