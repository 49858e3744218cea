"""Prompt for summarising an over-budget merged description (all its parts go in; nothing is cut)."""

from __future__ import annotations

SUMMARY_TEMPLATE = """Combine the notes about each subject into one short, complete description. Keep every distinct fact.

Subject: Vienna
Notes:
- Vienna is the capital of Austria.
- Vienna lies on the Danube.
- Vienna, the Austrian capital, is known for its music.
Description: Vienna is the capital of Austria, lies on the Danube and is known for its music.
###
Subject: {subject}
Notes:
{notes}
Description:"""

STOP = ["###", "\nSubject:", "\n\n"]


def summary_prompt(subject: str, descriptions: list[str]) -> str:
    notes = "\n".join(f"- {' '.join(d.split())}" for d in descriptions if d.strip())
    return SUMMARY_TEMPLATE.format(subject=subject, notes=notes)
