"""Moved to `synth_hf.text.answer_first` (shared by GraphGen and AIDE); this name stays an alias of it."""

import sys

from synth_hf.text import answer_first as _moved

sys.modules[__name__] = _moved
