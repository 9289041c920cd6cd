"""Human labels for the codes the models store (`CALL_HANDLER` -> "Call handler", `SWITCHBOARD`
-> "Switchboard"): one place, read from the models' own `choices`, so a screen never shows a raw
code and never keeps its own copy of a label. core imports no app: the table is built from the
app registry the first time it is asked."""

from functools import cache

from django.apps import apps


@cache
def _labels() -> dict[str, dict[str, str]]:
    by_field: dict[str, dict[str, str]] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            choices = getattr(field, "choices", None)
            if not choices:
                continue
            table = by_field.setdefault(field.name, {})
            for value, text in choices:
                if isinstance(value, str) and not isinstance(text, (list, tuple)):
                    table.setdefault(value, str(text))
    return by_field


def code_label(code, field: str = "") -> str:
    """The label of `code` as a model choice: of a field called `field` when given ("role",
    "channel", "status"), else of any field. The code itself when no model knows it."""
    if code is None or code == "":
        return ""
    tables = _labels()
    if field and code in tables.get(field, {}):
        return tables[field][code]
    for table in tables.values():
        if code in table:
            return table[code]
    return str(code)
