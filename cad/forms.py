"""HTML forms for call taking (shape only: every rule lives in `cad.services`)."""

import uuid

from django import forms

from cad.grading.questions import QUESTIONS
from cad.models import (
    THRIVE_HEADINGS,
    THRIVE_LEVELLED,
    Area,
    Channel,
    Grade,
    IncidentStatus,
    ThriveLevel,
)
from cad.names import split_named_people
from cad.selectors import closing_codes, opening_codes

# y / n / u: the keys the call-taking screen answers with.
DA_ANSWER_CHOICES = [("yes", "Y"), ("no", "N"), ("unknown", "U")]


def split_names(text: str) -> list[str]:
    """Named people typed one per line or separated by semicolons or commas; "MCDONALD, Kirsty"
    and "Brian Example, 34" stay one person each (`cad.names.split_named_people`)."""
    return split_named_people(text)


def _opening_choices():
    return [("", "— choose —")] + [(c.code, c.label) for c in opening_codes()]


class IdListField(forms.Field):
    """Several ids posted under one name (hidden inputs), e.g. the incidents offered as possibly
    the same; shape only."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError("Not an incident id.") from None


class DaAnswerFields:
    """The DA questions as fields `da_<code>` (yes / no / unknown, each optional)."""

    def add_da_fields(self) -> None:
        for code, text in QUESTIONS:
            self.fields[f"da_{code}"] = forms.ChoiceField(
                required=False, choices=DA_ANSWER_CHOICES, widget=forms.RadioSelect, label=text
            )

    def da_rows(self) -> list[tuple[str, str, forms.BoundField]]:
        return [(code, text, self[f"da_{code}"]) for code, text in QUESTIONS]

    def pop_da_answers(self, data: dict) -> dict[str, str]:
        """The answers given, taken out of `data` (the cleaned data being turned into kwargs)."""
        answers = {code: data.pop(f"da_{code}", "") for code, _ in QUESTIONS}
        return {code: answer for code, answer in answers.items() if answer}


class ThriveFields:
    """THRIVE as fields: `thrive_<heading>` (text) and `thrive_<heading>_level`."""

    def add_thrive_fields(self, *, required: bool) -> None:
        for heading, label in THRIVE_HEADINGS:
            self.fields[f"thrive_{heading}"] = forms.CharField(
                required=required,
                max_length=2000,
                label=label,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if heading in THRIVE_LEVELLED:
                self.fields[f"thrive_{heading}_level"] = forms.ChoiceField(
                    required=False,
                    choices=[("", "level")] + ThriveLevel.choices,
                    label=f"{label} level",
                )

    def thrive_rows(self) -> list[tuple]:
        """(heading, label, text field, level field or None) for the template."""
        return [
            (
                heading,
                label,
                self[f"thrive_{heading}"],
                self[f"thrive_{heading}_level"] if heading in THRIVE_LEVELLED else None,
            )
            for heading, label in THRIVE_HEADINGS
        ]

    def pop_thrive(self, data: dict, headings=None) -> dict[str, dict[str, str]]:
        """The panel for `headings` (default all), taken out of `data`; the rest is dropped."""
        panel = {}
        for heading, _ in THRIVE_HEADINGS:
            text = data.pop(f"thrive_{heading}", "")
            level = data.pop(f"thrive_{heading}_level", "")
            if headings is None or heading in headings:
                panel[heading] = {"text": text}
                if heading in THRIVE_LEVELLED:
                    panel[heading]["level"] = level
        return panel

    def thrive_initial(self, panel: dict) -> None:
        for heading, value in panel.items():
            self.initial[f"thrive_{heading}"] = value.get("text", "")
            if heading in THRIVE_LEVELLED:
                self.initial[f"thrive_{heading}_level"] = value.get("level", "")


class CallForm(DaAnswerFields, ThriveFields, forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMERGENCY)
    silent = forms.BooleanField(required=False, label="Silent / abandoned call")
    caller_phone = forms.CharField(required=False, max_length=60, label="Number")
    caller_name = forms.CharField(required=False, max_length=200, label="Caller")
    address = forms.CharField(required=False, max_length=300)
    # Set by the address box when the handler picks premises from the register.
    uprn = forms.RegexField(r"^\d{1,12}$", required=False, widget=forms.HiddenInput)
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    area = forms.ChoiceField(choices=Area.choices, initial=Area.URBAN)
    narrative = forms.CharField(required=False, max_length=20000, widget=forms.Textarea)
    named_people = forms.CharField(
        required=False,
        max_length=2000,
        label="Named people (suspect, victim…)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    opening_code = forms.ChoiceField(required=False, choices=())
    domestic_abuse = forms.BooleanField(required=False, label="DA qualifier")
    # Set by the page when the handler ticks or unticks DA; otherwise the assessment decides.
    da_touched = forms.BooleanField(required=False, widget=forms.HiddenInput)
    domestic_abuse_reason = forms.CharField(
        required=False, max_length=2000, label="Reason for recording without DA"
    )
    confirm_grade = forms.BooleanField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(max_length=80, widget=forms.HiddenInput)
    # The open incidents shown as possibly the same when the handler saved (declined) or attached.
    offered_duplicates = IdListField(required=False)
    thrive_confirmed = forms.BooleanField(
        required=False,
        label="THRIVE confirmed",
        widget=forms.CheckboxInput(
            attrs={"data-shortcut": "alt+t", "data-shortcut-label": "THRIVE read and confirmed"}
        ),
    )
    # The THRIVE headings the handler edited (comma-separated): the rest follow the engine.
    thrive_touched = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opening_code"].choices = _opening_choices()
        self.add_da_fields()
        self.add_thrive_fields(required=False)
        # Alt+letter to each field (static/js/shortcuts.js; HTML accesskeys did not fire).
        keys = {"caller_phone": "p", "address": "a", "narrative": "n", "caller_name": "c"}
        for name, key in keys.items():
            self.fields[name].widget.attrs["data-shortcut"] = f"alt+{key}"
        self.fields["caller_phone"].widget.attrs["autofocus"] = True
        self.fields["narrative"].widget.attrs["rows"] = 8
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        touched = data.pop("da_touched")
        data["domestic_abuse"] = data["domestic_abuse"] if touched else None
        data["named_people"] = split_names(data["named_people"])
        data["opening_code"] = data["opening_code"] or None
        data["declined_duplicates"] = data.pop("offered_duplicates")
        data["da_answers"] = self.pop_da_answers(data)
        touched = {h for h in data.pop("thrive_touched").split(",") if h}
        confirmed = data.pop("thrive_confirmed") or bool(touched)
        panel = self.pop_thrive(data, headings=touched)
        # Headings not edited are the engine's suggestion at save time, confirmed or not.
        data["thrive"] = panel if confirmed else None
        return data

    def attach_kwargs(self) -> dict:
        """The call as a further contact on an offered incident (`services.call_attach`)."""
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "caller_phone": data["caller_phone"],
            "caller_name": data["caller_name"],
            "address": data["address"],
            "uprn": data["uprn"],
            "summary": data["narrative"],
            "offered": data["offered_duplicates"],
            "da_answers": self.pop_da_answers(dict(data)),
        }


class DuplicateQueryForm(forms.Form):
    """What the "possibly the same incident" offer reads from the call form."""

    caller_phone = forms.CharField(required=False, max_length=60)
    caller_name = forms.CharField(required=False, max_length=200)
    address = forms.CharField(required=False, max_length=300)
    named_people = forms.CharField(required=False, max_length=2000)

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        names = [data["caller_name"], *split_names(data["named_people"])]
        return {"phone": data["caller_phone"], "address": data["address"], "names": names}


class AssessForm(DaAnswerFields, forms.Form):
    """What the live assessment reads from the call form (everything else is ignored)."""

    channel = forms.ChoiceField(choices=Channel.choices, required=False)
    silent = forms.BooleanField(required=False)
    caller_phone = forms.CharField(required=False, max_length=60)
    caller_name = forms.CharField(required=False, max_length=200)
    address = forms.CharField(required=False, max_length=300)
    uprn = forms.RegexField(r"^\d{1,12}$", required=False)
    narrative = forms.CharField(required=False, max_length=20000, strip=False)
    named_people = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_da_fields()

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["channel"] = data["channel"] or Channel.EMERGENCY
        data["named_people"] = split_names(data["named_people"])
        data["da_answers"] = self.pop_da_answers(data)
        return data


class ContactForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.SWITCHBOARD)
    caller_phone = forms.CharField(required=False, max_length=60, label="Number")
    caller_name = forms.CharField(required=False, max_length=200, label="Caller")
    address = forms.CharField(required=False, max_length=300)
    summary = forms.CharField(
        max_length=20000, label="Message", widget=forms.Textarea(attrs={"rows": 4})
    )
    incident = forms.CharField(
        required=False,
        max_length=40,
        label="About incident (reference, if it is about one)",
    )


class GradeForm(forms.Form):
    grade = forms.ChoiceField(choices=Grade.choices)
    reason = forms.CharField(required=False, max_length=2000)


class LogForm(forms.Form):
    text = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    closing_code = forms.ChoiceField(choices=())
    resolution_note = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closing_code"].choices = [("", "— choose —")] + [
            (c.code, c.label) for c in closing_codes()
        ]


class DomesticAbuseForm(forms.Form):
    domestic_abuse = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=2000)


class DetailsForm(forms.Form):
    caller_name = forms.CharField(required=False, max_length=200, label="Caller")
    caller_phone = forms.CharField(required=False, max_length=60, label="Number")
    address = forms.CharField(required=False, max_length=300)
    named_people = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    area = forms.ChoiceField(choices=Area.choices)
    opening_code = forms.ChoiceField(required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opening_code"].choices = _opening_choices()

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["named_people"] = split_names(data["named_people"])
        return data


class MergeForm(forms.Form):
    into = forms.CharField(max_length=40, label="Merge into (reference)")
    reason = forms.CharField(required=False, max_length=2000)


class ThriveForm(ThriveFields, forms.Form):
    """THRIVE on the incident page: every heading."""

    def __init__(self, *args, panel: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_thrive_fields(required=True)
        if panel:
            self.thrive_initial(panel)

    def service_kwargs(self) -> dict:
        return {"panel": self.pop_thrive(dict(self.cleaned_data))}


class DaAnswersForm(DaAnswerFields, forms.Form):
    """The DA questions on the incident page."""

    def __init__(self, *args, answers: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_da_fields()
        for code, answer in (answers or {}).items():
            self.initial[f"da_{code}"] = answer

    def service_kwargs(self) -> dict:
        return {"da_answers": self.pop_da_answers(dict(self.cleaned_data))}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")])
    note = forms.CharField(required=False, max_length=2000)


class IncidentFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "Any")] + IncidentStatus.choices)
    grade = forms.ChoiceField(required=False, choices=[("", "Any")] + Grade.choices)
    channel = forms.ChoiceField(required=False, choices=[("", "Any")] + Channel.choices)
    domestic_abuse = forms.ChoiceField(
        required=False, label="DA", choices=[("", "Any"), ("true", "DA only"), ("false", "Not DA")]
    )
    open = forms.BooleanField(required=False, label="Open only")
