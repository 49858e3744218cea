"""Imported first by the step workers' fork server. Its import-time warnings (pydantic's, ...) repeat
the ones the main process already logged to run.log, so on a quiet run they are not printed again;
each worker restores the normal handling in `logs.configure_process()`."""

import warnings

from synth_hf.runtime.logs import is_quiet

if is_quiet():
    warnings.simplefilter("ignore")
