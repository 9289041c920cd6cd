"""Which language a narrative is written in: the engine reads English only, so a narrative in
another language is said to be unread rather than silently graded as if nothing were in it.

The identification is py3langid's (a maintained port of langid.py: a naive Bayes model over
byte n-grams, trained on 97 languages, bundled with the package; about 0.1 ms a narrative).
On the project's 2,579 labelled English narratives (caller's words and terse log entries) it
named no other language with a probability of 0.3 or more, so the threshold below (0.5) leaves
room; a few words ("help", "IP C/B") are never enough to say.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

# The probability (normalised over the 97 languages) above which a narrative is said to be in
# another language.
NOT_ENGLISH_PROBABILITY = 0.5
# Fewer words than this are never said to be in another language.
MIN_WORDS = 3

# Names for the languages most often heard on calls in the UK (ISO 639-1 codes); any other is
# shown by its code.
NAMES = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "cs": "Czech",
    "cy": "Welsh",
    "de": "German",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "gu": "Gujarati",
    "hi": "Hindi",
    "hu": "Hungarian",
    "it": "Italian",
    "ku": "Kurdish",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "nl": "Dutch",
    "pa": "Punjabi",
    "pl": "Polish",
    "ps": "Pashto",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "so": "Somali",
    "sq": "Albanian",
    "ta": "Tamil",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

_lock = threading.Lock()
_identifier = None


@dataclass(frozen=True)
class Reading:
    """The language a narrative reads as: an ISO 639-1 code, its name and the probability."""

    code: str
    name: str
    probability: float

    def as_dict(self) -> dict:
        return {
            "english": self.code == "en",
            "code": self.code,
            "name": self.name,
            "probability": round(self.probability, 3),
        }


def _get_identifier():
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def not_english(text: str) -> Reading | None:
    """The language `text` reads as when that is not English, with a probability of at least
    `NOT_ENGLISH_PROBABILITY`; None for English, for too few words (`MIN_WORDS`) to tell, or
    when it cannot say."""
    if len(text.split()) < MIN_WORDS:
        return None
    code, probability = _get_identifier().classify(text)
    if code == "en" or probability < NOT_ENGLISH_PROBABILITY:
        return None
    return Reading(
        code=code, name=NAMES.get(code, f"language code '{code}'"), probability=float(probability)
    )
