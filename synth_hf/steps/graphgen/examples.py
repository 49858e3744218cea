"""Moved to `synth_hf.text.examples` (used by the shared answer-first checks); this name stays an alias of it."""

import sys

from synth_hf.text import examples as _moved

sys.modules[__name__] = _moved
