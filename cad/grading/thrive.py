"""THRIVE suggested from the assessment: the engine's findings pre-fill the handler's panel.

THRIVE is the national call-assessment model (College of Policing, Authorised Professional
Practice on contact management): Threat, Harm, Risk, Investigation, Vulnerability, Engagement.
`thrive_suggest` turns an assessment (the `Assessment.as_dict()` shape, live or as stored on an
incident) into a suggested panel: a short text per heading, each line citing the finding and the
words or record behind it, and a level (HIGH / MEDIUM / LOW) on the headings where one fits
(threat, harm, risk, vulnerability). The handler confirms or edits it; nothing here is recorded.

Narrative findings are grouped by the lexicon's codes (cad's own data); findings from the
context providers (intelligence, markers) by their category, never by another app's codes.
"""

from __future__ import annotations

from cad.context import FindingCategory
from cad.models import THRIVE_HEADINGS, THRIVE_LEVELLED, ThriveLevel

THREAT = "threat"
HARM = "harm"
RISK = "risk"
INVESTIGATION = "investigation"
VULNERABILITY = "vulnerability"
ENGAGEMENT = "engagement"
HEADINGS = THRIVE_HEADINGS
LEVELLED = THRIVE_LEVELLED
HIGH, MEDIUM, LOW = ThriveLevel.HIGH.value, ThriveLevel.MEDIUM.value, ThriveLevel.LOW.value

# Lexicon risk codes read under each heading.
_THREAT_RISKS = {
    "SUSPECT_PRESENT",
    "SUSPECT_AT_DOOR",
    "SUSPECT_JUST_LEFT",
    "THREATS_TO_KILL",
    "WEAPON",
    "BREACH_OF_ORDER",
    "STALKING",
    "ESCALATION",
    "CONTACT_NOW",
    "RECENT_SEPARATION",
}
_HARM_RISKS = {"INJURY", "STRANGULATION", "SEXUAL_VIOLENCE", "WEAPON", "CRIES_HEARD"}
_SERIOUS_HARM = {"INJURY", "STRANGULATION", "SEXUAL_VIOLENCE"}
_VULNERABLE_RISKS = {
    "CHILDREN_PRESENT",
    "PREGNANCY",
    "VICTIM_FRIGHTENED",
    "DISTRESS_ON_CALL",
    "CRIES_HEARD",
}
_VIOLENT_BEHAVIOURS = {"VIOLENCE", "DAMAGE"}
# Context categories read under each heading.
_THREAT_CONTEXT = {
    FindingCategory.DA_HISTORY,
    FindingCategory.PROTECTIVE_ORDER,
    FindingCategory.WARNING,
    FindingCategory.PRESENT_DANGER,
}
_VULNERABLE_CONTEXT = {FindingCategory.RISK_MARKER, FindingCategory.DA_HISTORY}
_WHEN = {
    "now": "now",
    "earlier_today": "earlier today",
    "overnight": "overnight",
    "history": "in the past",
}
_GRADE_LEVEL = {"IMMEDIATE": HIGH, "PRIORITY": MEDIUM}
MAX_LINES = 8
MAX_EVIDENCE = 160
HANDLER = "handler"


def thrive_suggest(assessment: dict) -> dict[str, dict[str, str]]:
    """The suggested THRIVE panel for an assessment dict.

    Returns `{heading: {"text": str, "level": "HIGH"|"MEDIUM"|"LOW"}}` for the six headings
    (`level` only on threat, harm, risk and vulnerability). Every text is non-empty: a heading
    with nothing found says so. Pure: reads only `assessment`."""
    found = _Found(assessment or {})
    panel = {
        THREAT: _threat(found),
        HARM: _harm(found),
        RISK: _risk(found),
        INVESTIGATION: _investigation(found),
        VULNERABILITY: _vulnerability(found),
        ENGAGEMENT: _engagement(found),
    }
    if found.unread:
        _unread(found.unread, panel)
    return {
        heading: {"text": "\n".join(_capped(lines)) or _NOTHING[heading], **level}
        for heading, (lines, level) in panel.items()
    }


def _unread(name: str, panel: dict) -> None:
    """A narrative in another language: a heading nothing was found under was not assessed
    (not "no threat"), and is not LOW on words nobody read; the caller needs an interpreter."""
    not_assessed = f"Not assessed: the narrative is in {name}. Ask through an interpreter."
    for heading in (THREAT, HARM, VULNERABILITY):
        lines, level = panel[heading]
        if not lines:
            lines.append(not_assessed)
        if level.get("level") == LOW:
            level["level"] = MEDIUM
    if panel[RISK][1].get("level") == LOW:
        panel[RISK][1]["level"] = MEDIUM
    panel[VULNERABILITY][0].append(f"The caller speaks {name}: an interpreter is needed.")
    panel[ENGAGEMENT][0].insert(0, f"Use an interpreter (e.g. Language Line) for {name}.")


_NOTHING = {
    THREAT: "No threat identified in the words so far.",
    HARM: "No harm described so far.",
    RISK: "No risk factor found.",
    INVESTIGATION: "",
    VULNERABILITY: "No vulnerability identified in the words so far.",
    ENGAGEMENT: "Record the caller's wishes and a safe way to keep in contact.",
}


_INTELLIGENCE = "Review the automatic intelligence check on the caller, address and people."


class _Found:
    """The assessment's findings, sorted for the headings."""

    def __init__(self, assessment: dict):
        self.assessment = assessment
        self.domestic_abuse = bool(assessment.get("domestic_abuse"))
        self.present_danger = bool(assessment.get("present_danger"))
        self.recommended = assessment.get("recommended_grade") or ""
        self.minimum = assessment.get("minimum_grade") or ""
        self.reasons = [r for r in assessment.get("reasons") or [] if isinstance(r, str)]
        self.categories = set(assessment.get("categories") or [])
        findings = [
            f
            for key in ("indicators", "risk_factors")
            for f in assessment.get(key) or []
            if isinstance(f, dict)
        ]
        narrative = [f for f in findings if f.get("source", "narrative") == "narrative"]
        self.risks = {f.get("code"): f for f in narrative}
        self.context = [f for f in findings if f.get("source") not in ("narrative", HANDLER)]
        self.answers = {
            str(f.get("code", "")).removeprefix("DA_ANSWER_").lower(): f
            for f in findings
            if f.get("source") == HANDLER
        }
        self.behaviours = [b for b in assessment.get("behaviours") or [] if isinstance(b, dict)]
        language = assessment.get("language")
        # The language's name when the narrative is not English (its words were not read).
        self.unread = (
            language.get("name", "another language")
            if isinstance(language, dict) and not language.get("english", True)
            else ""
        )
        questions = assessment.get("da_questions") or {}
        self.ask = questions.get("why", "") if questions.get("needed") else ""

    def codes(self, wanted: set[str]) -> list[dict]:
        return [f for code, f in self.risks.items() if code in wanted]

    def in_context(self, categories: set[str]) -> list[dict]:
        return [f for f in self.context if categories & set(f.get("categories") or [])]

    def answered_yes(self, code: str) -> dict | None:
        answer = self.answers.get(code)
        return answer if answer and answer.get("evidence", "").endswith(": yes") else None


def _cite(finding: dict) -> str:
    """`Label: "the words"` (or the record) behind a finding."""
    evidence = " ".join(str(finding.get("evidence") or "").split())
    if len(evidence) > MAX_EVIDENCE:
        evidence = evidence[: MAX_EVIDENCE - 1].rstrip() + "…"
    label = finding.get("label") or finding.get("code") or "Finding"
    return f"{label}: {evidence}" if evidence else label


def _capped(lines: list[str]) -> list[str]:
    lines = list(dict.fromkeys(line for line in lines if line))
    if len(lines) <= MAX_LINES:
        return lines
    return lines[: MAX_LINES - 1] + [f"… and {len(lines) - MAX_LINES + 1} more findings."]


def _behaviour_line(behaviour: dict) -> str:
    who = (behaviour.get("who") or {}).get("text") or "someone"
    what = behaviour.get("class") or str(behaviour.get("label", "")).lower()
    when = _WHEN.get(behaviour.get("when", ""), "")
    evidence = behaviour.get("evidence") or ""
    return f"{what.capitalize()} by {who}" + (f", {when}" if when else "") + f": {evidence}"


def _threat(found: _Found) -> tuple[list[str], dict]:
    """Who threatens whom with what, now or before."""
    lines = [_cite(f) for f in found.codes({"PERSONAL_CONNECTION"})]
    lines += [
        _behaviour_line(b)
        for b in found.behaviours
        if b.get("certainty") != "negated" and (b.get("domestic") or b.get("who"))
    ]
    threats = found.codes(_THREAT_RISKS)
    lines += [_cite(f) for f in threats]
    lines += [_cite(f) for f in found.in_context(_THREAT_CONTEXT)]
    for code in ("connection", "present", "violence", "order"):
        if answer := found.answered_yes(code):
            lines.append(_cite(answer))
    serious = any(f.get("weight") == "serious" for f in threats)
    if found.present_danger or serious:
        level = HIGH
    elif found.domestic_abuse or threats or found.in_context(_THREAT_CONTEXT):
        level = MEDIUM
    else:
        level = LOW
    return lines, {"level": level}


def _harm(found: _Found) -> tuple[list[str], dict]:
    """The harm done or likely: injuries, strangulation, sexual violence, weapons, violence."""
    harms = found.codes(_HARM_RISKS)
    violent = [
        b
        for b in found.behaviours
        if b.get("code") in _VIOLENT_BEHAVIOURS and b.get("certainty") != "negated"
    ]
    lines = [_cite(f) for f in harms] + [_behaviour_line(b) for b in violent]
    if "DANGER_TO_LIFE" in found.categories:
        lines.append("Danger to life (call category).")
    escalating = found.domestic_abuse and found.present_danger and not lines
    if escalating:
        lines.append(
            "No injury described yet; domestic abuse with a present danger can escalate to "
            "serious harm."
        )
    if any(code in _SERIOUS_HARM for code in found.risks) or "DANGER_TO_LIFE" in found.categories:
        level = HIGH
    elif harms or violent or escalating:
        level = MEDIUM
    else:
        level = LOW
    return lines, {"level": level}


def _risk(found: _Found) -> tuple[list[str], dict]:
    """The grade the engine recommends and why, in its own reasons."""
    lines = []
    if found.recommended:
        lines.append(
            f"Recommended {found.recommended}, minimum {found.minimum or found.recommended}"
            + (": domestic abuse." if found.domestic_abuse else ".")
        )
    lines += found.reasons
    level = _GRADE_LEVEL.get(found.recommended, LOW)
    if found.present_danger:
        level = HIGH
    return lines, {"level": level}


def _investigation(found: _Found) -> tuple[list[str], dict]:
    """What to check and keep: orders, records, the DA questions still to ask."""
    lines = []
    if order := found.risks.get("PROTECTIVE_ORDER") or found.risks.get("BREACH_OF_ORDER"):
        lines.append(f"Check the order or bail terms and record any breach. {_cite(order)}")
    lines += [
        f"On record: {_cite(f)}"
        for f in found.context
        if set(f.get("categories") or []) - {FindingCategory.OTHER}
    ]
    if found.domestic_abuse:
        lines.append(
            "Domestic abuse: DASH risk assessment at the scene; keep the 999 recording and "
            "body-worn video as evidence."
        )
    if found.ask:
        lines.append(found.ask)
    lines.append(_INTELLIGENCE)
    return lines, {}


def _vulnerability(found: _Found) -> tuple[list[str], dict]:
    """Who is vulnerable and why: the victim of DA, children, pregnancy, fear, markers."""
    lines = []
    if found.domestic_abuse:
        lines.append("Victim of domestic abuse.")
    vulnerable = found.codes(_VULNERABLE_RISKS)
    lines += [_cite(f) for f in vulnerable]
    lines += [_cite(f) for f in found.in_context(_VULNERABLE_CONTEXT)]
    if answer := found.answered_yes("afraid"):
        lines.append(_cite(answer))
    if "VULNERABLE_PERSON" in found.categories:
        lines.append("Vulnerable person (call category).")
    dependants = {"CHILDREN_PRESENT", "PREGNANCY"} & set(found.risks)
    if found.domestic_abuse and (found.present_danger or dependants):
        level = HIGH
    elif lines:
        level = MEDIUM
    else:
        level = LOW
    return lines, {"level": level}


def _engagement(found: _Found) -> tuple[list[str], dict]:
    """How to engage with the caller and the victim now and after."""
    lines = []
    if found.present_danger:
        lines.append(
            "Keep the caller on the line until officers arrive; ask yes/no questions if it is "
            "not safe to talk."
        )
    if "SILENT_CALL" in found.categories:
        lines.append("Silent or abandoned call: call back and check the caller's history.")
    if found.domestic_abuse:
        lines.append(
            "Agree a safe number and time to call back; offer specialist domestic abuse support."
        )
    if found.ask:
        lines.append("Ask the DA questions and record the answers.")
    return lines, {}
