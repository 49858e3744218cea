"""Licence ids of the Hub (the `license:` of a card) and how a dataset inherits its inputs' terms.

`HUB_LICENSES` is the Hub's list (https://huggingface.co/docs/hub/repositories-licenses) kept here:
huggingface_hub ships no copy and the Hub cannot be asked offline. A value outside it is refused on
the command line, because the Hub would show a card with an unrecognised licence as having none.
"""

from __future__ import annotations

from collections.abc import Mapping

HUB_LICENSES: frozenset[str] = frozenset([
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd",
    "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0", "cc-by-2.0", "cc-by-2.5",
    "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0",
    "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0", "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0",
    "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl", "gpl-2.0", "gpl-3.0",
    "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research", "intel-research", "lppl-1.3c", "ms-pl", "apple-ascl",
    "apple-amlr", "mpl-2.0", "odc-by", "odbl", "openrail++", "osl-3.0", "postgresql", "ofl-1.1", "ncsa",
    "unlicense", "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license", "fair-noncommercial-research-license",
    "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma", "unknown", "other",
])  # fmt: skip
LICENSES_HELP = "the Hub's licence ids: huggingface.co/docs/hub/repositories-licenses"


def check_license(value: str, where: str = "--license") -> str:
    """`value` as a Hub licence id (lower-cased). Raises ValueError, one line naming `where`, common ids
    and where the full list is, for anything else (`other` is the id for terms the list lacks)."""
    lic = str(value).strip().lower()
    if lic not in HUB_LICENSES:
        raise ValueError(f"{where} {value!r} is not a Hub licence id; use one such as apache-2.0, mit, "
                         f"cc-by-4.0, cc-by-nc-sa-4.0, gemma, llama3, or 'other' for terms not listed "
                         f"({LICENSES_HELP})")  # fmt: skip
    return lic


# Rank = how much the terms restrict reuse; the staged dataset inherits the highest rank.
_LICENSE_RANK: dict[str, int] = {
    "cc0-1.0": 0, "unlicense": 0, "pddl": 0,
    "mit": 1, "bsd-2-clause": 1, "bsd-3-clause": 1, "isc": 1,
    "apache-2.0": 2, "cc-by-4.0": 2, "cc-by-3.0": 2, "odc-by": 2,
    "cc-by-sa-4.0": 3, "cc-by-sa-3.0": 3, "odbl": 3, "gpl-3.0": 3, "lgpl-3.0": 3,
    "gemma": 4, "llama2": 4, "llama3": 4, "llama3.1": 4, "llama3.2": 4, "llama3.3": 4,
    "openrail": 4, "openrail++": 4, "creativeml-openrail-m": 4, "bigscience-openrail-m": 4,
    "cc-by-nc-4.0": 5, "cc-by-nc-sa-4.0": 5, "cc-by-nc-3.0": 5,
    "cc-by-nc-nd-4.0": 6,
}  # fmt: skip
_UNKNOWN_RANK = 5  # a licence we cannot classify is treated as restrictive, never as permissive


def most_restrictive_license(licenses: Mapping[str, str] | list[str] | None) -> tuple[str, str]:
    """(Hub license id, human list of sources) for the licences of the inputs.

    `licenses` maps a source ("model google/gemma-3-270m", "personas") to its licence id, or is a
    plain list of ids. Rules, independent of the inputs' order:
    - one id for every input: that id if the Hub knows it, ranked here or not (mpl-2.0 alone stays
      mpl-2.0); `unknown` alone is `other` (the card then says which input's terms were not declared);
    - `other` when an input's id is not ranked in `_LICENSE_RANK` or is `unknown` (no order with it is
      known), and when two different ids of rank >= 3 meet (copyleft, model or non-commercial terms:
      gemma + cc-by-sa-4.0 or gemma + llama3 - all of them apply, no one id says so);
    - else the id of the highest rank; at a tie between permissive ids (rank < 3, obligations alike)
      the alphabetically first.
    None or empty gives `unknown`.
    """
    if not licenses:
        return "unknown", "no input licences were recorded"
    items = list(licenses.items()) if isinstance(licenses, Mapping) else [(lic, lic) for lic in licenses]
    norm = [(str(src).strip(), str(lic).strip().lower()) for src, lic in items]
    sources = ", ".join(dict.fromkeys(f"{s}: {lic}" if s.lower() != lic else lic for s, lic in norm))
    ids = {lic for _, lic in norm}
    if len(ids) == 1:
        only = ids.pop()
        return (only if only in HUB_LICENSES and only != "unknown" else "other"), sources
    if any(lic not in _LICENSE_RANK for lic in ids):
        return "other", sources
    if sum(_LICENSE_RANK[lic] >= 3 for lic in ids) > 1:
        return "other", sources
    top = max(_LICENSE_RANK[lic] for lic in ids)
    return min(lic for lic in ids if _LICENSE_RANK[lic] == top), sources
