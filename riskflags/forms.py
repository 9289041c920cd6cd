"""HTML forms for markers: shape only (the rules live in services)."""

from django import forms

from cad.models import Grade
from riskflags.models import ContactMethod, ContactOutcome, ContactPurpose, RiskLevel

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=LOCAL_INPUT)


class MarkerForm(forms.Form):
    address = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"autofocus": True}))
    phones = forms.CharField(
        max_length=400,
        required=False,
        label="Phone numbers (comma separated)",
        help_text="Calls from these numbers match the marker too.",
    )
    victim_name = forms.CharField(max_length=200)
    perpetrator_name = forms.CharField(max_length=200, required=False, label="Perpetrator")
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    risk_level = forms.ChoiceField(choices=RiskLevel.choices, initial=RiskLevel.HIGH)
    grade_floor = forms.ChoiceField(choices=Grade.choices, initial=Grade.IMMEDIATE)
    oic = forms.CharField(max_length=150, label="OIC (username)")
    supervisor = forms.CharField(
        max_length=150,
        required=False,
        label="Supervisor (username, optional)",
        help_text="Alerted if the victim is not told within 72 hours. Empty: every supervisor.",
    )
    starts_at = forms.DateTimeField(widget=LocalDateTimeInput(), label="Starts")
    expires_at = forms.DateTimeField(
        widget=LocalDateTimeInput(), label="Expires (at most 183 days after the start)"
    )

    def clean_phones(self):
        return [p.strip() for p in self.cleaned_data["phones"].split(",") if p.strip()]


class MarkerEditForm(forms.Form):
    phones = MarkerForm.base_fields["phones"]
    victim_name = forms.CharField(max_length=200)
    perpetrator_name = forms.CharField(max_length=200, required=False, label="Perpetrator")
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    risk_level = forms.ChoiceField(choices=RiskLevel.choices)
    grade_floor = forms.ChoiceField(choices=Grade.choices)
    oic = forms.CharField(max_length=150, label="OIC (username)")
    supervisor = MarkerForm.base_fields["supervisor"]

    clean_phones = MarkerForm.clean_phones


class ContactForm(forms.Form):
    purpose = forms.ChoiceField(choices=ContactPurpose.choices)
    method = forms.ChoiceField(choices=ContactMethod.choices)
    outcome = forms.ChoiceField(choices=ContactOutcome.choices)
    notes = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contacted_at = forms.DateTimeField(
        widget=LocalDateTimeInput(), required=False, label="When (empty: now)"
    )


class ExtendForm(forms.Form):
    expires_at = forms.DateTimeField(
        widget=LocalDateTimeInput(), label="New expiry (at most 183 days from now)"
    )
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for withdrawal"
    )
