"""Deterministic language identification (ISO-639-1) that never raises."""

from __future__ import annotations

import threading
import unicodedata

UNDETERMINED = "und"

_LOCK = threading.Lock()
_FACTORY = None
# langdetect's own cleaning regexes run over the whole input, so only a bounded sample is passed in.
_SAMPLE_CHARS = 4000


def _factory():
    global _FACTORY
    if _FACTORY is None:
        with _LOCK:
            if _FACTORY is None:
                from langdetect import detector_factory

                detector_factory.init_factory()
                _FACTORY = detector_factory._factory
    return _FACTORY


def _letter_count(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


def detect_language(text: str, min_letters: int = 8, min_prob: float = 0.5) -> str:
    """ISO-639-1 code of ``text``, or ``"und"`` when empty, too short, ambiguous or undetectable.

    A fixed per-call seed (not langdetect's global ``DetectorFactory.seed``) makes the answer
    reproducible without touching state other callers may rely on.
    """
    try:
        if not isinstance(text, str):
            return UNDETERMINED
        sample = text.strip()[:_SAMPLE_CHARS]
        if _letter_count(sample) < min_letters:
            return UNDETERMINED
        detector = _factory().create()
        detector.seed = 0
        detector.append(sample)
        candidates = detector.get_probabilities()
        if not candidates:
            return UNDETERMINED
        best = candidates[0]
        if best.prob < min_prob:
            return UNDETERMINED
        code = str(best.lang).split("-")[0].lower()  # zh-cn / zh-tw -> zh
        return code if len(code) == 2 and code.isalpha() else UNDETERMINED
    except Exception:  # noqa: BLE001 - langdetect raises on feature-less text
        return UNDETERMINED
