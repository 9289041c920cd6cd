"""Panels other apps add to the incident page (e.g. dispatch's assign / divert / release).

Like `cad.context`, this keeps `cad` free of imports from the apps above it: they register a
template from their `AppConfig.ready()`, and the incident page includes each one with
`incident` in its context.
"""

_PANELS: dict[str, tuple[int, str]] = {}


def register_incident_panel(name: str, template: str, order: int = 100) -> None:
    _PANELS[name] = (order, template)


def incident_panel_templates() -> list[str]:
    return [template for _, template in sorted(_PANELS.values())]
