"""Answer-first synthesis for grounded AIDE (pure logic; the step is `synthesize_answer_first.py`).

A small model asked to rewrite a question freely rarely asks what the user's documents say (Gemma-3-270M:
0 grounded rows of 16 calls). So each child starts from the documents instead: its parent (and its
attribute or persona) retrieves an evidence sentence not used before in the run, an answer span of that
sentence is chosen (`teaching_spans`, shared with GraphGen), and the LLM only phrases the question for
that sentence and answer in the style of the parent / operation / persona. The question is checked
(`verify_question`: not a question, gives the answer away, names what the sentence does not, asks for
another type of answer, names no relation); a refused one is replaced by a template question built from
the sentence (`wh_question`, else `cloze_question`), marked `generator: template`. The answer is the span
followed by the sentence, so it is supported by construction (annotation still checks it).
"""

from __future__ import annotations

from typing import NamedTuple

from synth_hf.items import qa_answer
from synth_hf.steps.aide.fact_sentences import fact_passages
from synth_hf.steps.aide.grading import Judge
from synth_hf.text.answer_first import (
    clean_question,
    cloze_question,
    glued,
    teaching_spans,
    verify_question,
    wh_question,
)
from synth_hf.text.grounding import candidate_names
from synth_hf.text.language import UNDETERMINED, detect_language
from synth_hf.text.retrieval import BM25Index
from synth_hf.text.sentences import Sentence
from synth_hf.text.spans import snap_span
from synth_hf.text.support import contains_span, content_stems

# drop reasons of a child that gets no fact, before any call (most telling first when candidates mix)
NO_MATCH = "no_matching_sentence"  # the query shares no word with any usable sentence
ALL_USED = "evidence_already_used"  # every matching sentence already serves another row of the run
SEED_FACT = "evidence_is_seed_fact"  # the matching sentences (or the rest of them) state a seed's answer
NO_SPAN = "no_answer_span"  # the matching sentences have no answer span to ask for (e.g. CJK text)
_FRAME = {"blank", "fill", "year", "whom"}  # words of the template frames, not of the fact
QUESTION_STOP = ["\n", "###"]
QUESTION_MAX_TOKENS = 64  # one question on one line
GRADE_BATCH = 16  # candidates embedded per pre-grade call: the first pass is usually within the top few


class Pick(NamedTuple):
    """A fact for a child: its passage, answer span, template question, and the pre-grade's outcome
    ("passed", "fallback": none passed and this graded best, None: not pre-graded)."""

    passage: dict
    span: str
    question: str
    pregrade: str | None


def _first_passing(batch: list[Pick], judge: Judge, best: tuple[float, Pick] | None
                   ) -> tuple[Pick | None, tuple[float, Pick] | None]:  # fmt: skip
    """The first of `batch` that `judge` passes (or None), and the best-scored candidate so far."""
    for pick, (ok, score) in zip(batch, judge([p.question for p in batch])):
        if ok:
            return pick, best
        if best is None or score > best[0]:
            best = (score, pick)
    return None, best


def question_generation(kwargs: dict) -> dict:
    """The synthesis generation settings `kwargs` for a one-line question (stop at the line's end)."""
    return {**kwargs, "stop": QUESTION_STOP, "max_new_tokens": min(kwargs["max_new_tokens"], QUESTION_MAX_TOKENS)}


class FactIndex:
    """The user's document sentences (`passages`: [{chunk_id, sentence}]) as facts to ask about: those
    that can stand alone (`fact_passages`: no question, heading, table row, pronoun subject or negation;
    emphasis and bullets stripped; `skipped` counts the others per reason), BM25 retrieval over them,
    plus the corpus's names (capitalised spans, `candidate_names`), which answer spans widen to."""

    def __init__(self, passages: list[dict]) -> None:
        passages = list(passages)
        self.passages, self.skipped = fact_passages(passages)
        self.languages = document_languages(passages)
        self.bm25 = BM25Index(self.passages)
        sentences = [Sentence(i, 0, len(p["sentence"]), p["sentence"]) for i, p in enumerate(self.passages)]
        self.names = candidate_names(sentences)
        self._has_spans: bool | None = None
        self._facts: dict[str, tuple[str, str] | None] = {}

    def names_in(self, sentence: str) -> list[str]:
        """The corpus names that `sentence` spells as names: capitalised there as in the name ("adverse"
        in "Typical adverse effects" is not the sentence-initial "Adverse"), not opened by a function
        word ("Because ACE")."""
        return [n for n in self.names if n in sentence and contains_span(sentence, n)
                and n.split()[0].casefold() not in _OPENERS]  # fmt: skip

    def spans(self, sentence: str) -> list[str]:
        """Answer spans of `sentence` in teaching order (its object first), leaving out a span glued to a
        word ("1" of "GLP-1") or opened by a function word ("Because ACE"); [] when it has none."""
        spans = teaching_spans(sentence, self.names_in(sentence), self.names)
        return [s for s in spans if not glued(sentence, s) and s.split()[0].casefold() not in _OPENERS]

    def pick(self, query: str, used: set[str], reserved: set[str] = frozenset()) -> tuple[dict, str] | str:
        """The best-ranked passage for `query` whose chunk_id is neither in `used` (serves another row)
        nor in `reserved` (a seed's fact), with its first answer span whose template question asks a
        relation (`specific`): (passage, span); else the drop reason (see `choose`). Does not add to
        `used`."""
        found = self.choose(query, used, reserved)
        return found if isinstance(found, str) else (found.passage, found.span)

    def choose(self, query: str, used: set[str], reserved: set[str] = frozenset(), judge: Judge | None = None,
               exclude: set[str] = frozenset()) -> Pick | str:  # fmt: skip
        """`pick` with reflection's grade applied before the call: walking the BM25 ranking of unused
        candidates (not in `used`, `reserved` or `exclude`: sentences a row already failed with), the
        first whose template question `judge` passes (`Pick.pregrade` "passed"); when none passes, the
        best-graded one ("fallback"; reflection then decides as without the pre-grade). Without a judge
        the first candidate (pregrade None). Else the drop reason: ALL_USED (`exclude` counts as used),
        SEED_FACT, NO_SPAN, whichever held most of the matching sentences; NO_MATCH when none matched,
        NO_SPAN when no sentence of the documents has a span."""
        seen = {ALL_USED: 0, SEED_FACT: 0, NO_SPAN: 0}
        best: tuple[float, Pick] | None = None
        batch: list[Pick] = []
        for passage, _ in self.bm25.search(query, len(self.passages)):
            chunk = passage["chunk_id"]
            if chunk in used or chunk in exclude:
                seen[ALL_USED] += 1
                continue
            if chunk in reserved:
                seen[SEED_FACT] += 1
                continue
            fact = self.fact(passage)
            if fact is None:
                seen[NO_SPAN] += 1
                continue
            if judge is None:
                return Pick(passage, fact[0], fact[1], None)
            batch.append(Pick(passage, fact[0], fact[1], "passed"))
            if len(batch) == GRADE_BATCH:
                found, best = _first_passing(batch, judge, best)
                if found:
                    return found
                batch = []
        if batch:
            found, best = _first_passing(batch, judge, best)  # type: ignore[arg-type]
            if found:
                return found
        if best is not None:
            return best[1]._replace(pregrade="fallback")
        reason = max(seen, key=lambda k: seen[k])  # dict order breaks ties
        if seen[reason]:
            return reason
        # nothing matched: say so, unless no sentence at all has a span (CJK text: no word to match either)
        return NO_MATCH if self.has_spans() else NO_SPAN

    def fact(self, passage: dict) -> tuple[str, str] | None:
        """(answer span, template question) of a passage: its first span whose template question asks a
        relation (`specific`); None when it has none. Cached per chunk_id."""
        chunk = passage["chunk_id"]
        if chunk not in self._facts:
            sentence, english = passage["sentence"], self.english(chunk)
            names, self._facts[chunk] = self.names_in(sentence), None
            for span in self.spans(sentence):
                question = template_question(sentence, span, english)
                if specific(question, sentence, names):
                    self._facts[chunk] = (span, str(question))
                    break
        return self._facts[chunk]

    def has_spans(self) -> bool:
        """Whether any fact sentence has an answer span (computed once)."""
        if self._has_spans is None:
            self._has_spans = any(self.spans(p["sentence"]) for p in self.passages)
        return self._has_spans

    def english(self, chunk_id: str) -> bool:
        """Whether the passage's document is in English (or its language is undetermined)."""
        return self.languages.get(document_id(chunk_id), "en") in ("en", UNDETERMINED)

    def seed_facts(self, seeds: list[tuple[str, str]]) -> set[str]:
        """chunk_ids of the sentences that state a seed's answer (`seeds`: (question, answer) pairs): every
        sentence holding the answer span and a content word or name of the seed question (so restatements
        such as "Kelmar fever responds well when treated with Zorvatide." are reserved too, wherever they
        rank), plus the top BM25 hits that `about_question` accepts. A child would only ask them again."""
        from synth_hf.steps.aide.grounding import about_question

        out: set[str] = set()
        for question, answer in seeds:
            asked = set(content_stems(question)) - set(content_stems(answer))
            for passage in self.passages:
                sentence = passage["sentence"]
                if asked & set(content_stems(sentence)) and contains_span(sentence, answer):
                    out.add(passage["chunk_id"])
            for passage, _ in self.bm25.search(f"{question} {answer}", 5):
                if about_question(question, answer, [passage["sentence"]]):
                    out.add(passage["chunk_id"])
        return out


def document_id(chunk_id: str) -> str:
    """The document of a passage id `<doc_id>:s<n>`."""
    return chunk_id.rsplit(":s", 1)[0]


def document_languages(passages: list[dict]) -> dict[str, str]:
    """ISO-639-1 language of each document (all its sentences together: one short sentence such as
    "Zorvatide treats Kelmar fever." alone is often taken for another language)."""
    texts: dict[str, list[str]] = {}
    for passage in passages:
        texts.setdefault(document_id(passage["chunk_id"]), []).append(passage["sentence"])
    return {doc: detect_language(" ".join(sentences)) for doc, sentences in texts.items()}


_OPENERS = {"because", "although", "when", "while", "if", "since", "unless", "whereas", "after", "before"}


def retrieval_query(child: dict) -> str:
    """What a child's evidence is retrieved with: its parent's question, topic and its attribute (attribute
    branch) or persona (persona branch)."""
    triplet = child.get("attribute_triplet") or {}
    steer = child.get("persona") if child.get("branch") == "persona" else triplet.get("tail")
    parts = [child.get("parent_question") or "", triplet.get("head") or child.get("topic") or "", steer or ""]
    return " ".join(p for p in parts if p)


def anchors(sentence: str, span: str, names: list[str]) -> list[str]:
    """Names of the sentence, outside the answer, of which the question must name one (whole phrases);
    [] when the sentence has none (then nothing is required)."""
    out = []
    for name in names:
        whole = snap_span(sentence, name, names)
        if not contains_span(span, whole) and not contains_span(whole, span) and whole not in out:
            out.append(whole)
    return out


def specific(question: str | None, sentence: str, names: list[str]) -> bool:
    """False for no question, or one that says nothing beyond the sentence's names: the predicate of
    "Kelmar fever is spread by the bite of the dusk midge." asked back is "Kelmar fever is what?"."""
    if not question:
        return False
    named = {w for n in names for w in content_stems(snap_span(sentence, n, names))}
    return bool(set(content_stems(question)) - named - _FRAME)


def template_question(sentence: str, span: str, english: bool = True) -> str | None:
    """The deterministic question for a fact: the sentence asked back with a wh-word, else a cloze; a
    cloze only when the sentence is not English (`english`: its document's language; an English wh-word
    inside a German sentence made "Zorvatid wurde which year zugelassen?")."""
    if not english:
        return cloze_question(sentence, span)
    return wh_question(sentence, span) or cloze_question(sentence, span)


def attach_fact(child: dict, passage: dict, span: str, english: bool = True) -> None:
    """Give a child its evidence sentence, answer span and answer (span, then the sentence), and whether
    the sentence is English (`fact_english`: its template question is a cloze otherwise)."""
    child["fact_english"] = english
    child["reasoning_link"] = None  # a one-hop fact (re-synthesis may replace a chained one)
    child["evidence"] = [{"chunk_id": passage["chunk_id"], "sentence": passage["sentence"]}]
    child["answer_span"] = span
    child["draft_answer"] = qa_answer(span, [passage["sentence"]])


def settle_question(child: dict, raw: str | None, names: list[str], template_only: bool = False) -> str | None:
    """Set the child's question from the LLM's reply `raw` when `verify_question` accepts it
    (`generator: llm`), else the template question (`generator: template`, `question_rejected`: why).
    `template_only`: no reply was asked for (`llm_questions: false`): the template, nothing rejected.
    Returns None, or the drop reason when not even a template can be made (span not in the sentence)."""
    sentence, span = child["evidence"][0]["sentence"], child["answer_span"]
    question = clean_question(raw or "")
    if template_only:
        why = "template_only"
    else:
        why = verify_question(question, span, [sentence], must_name=anchors(sentence, span, names)) if raw else "no_llm_output"
    if why:
        question = template_question(sentence, span, child.get("fact_english", True) is not False)
        if question is None:
            return f"no_question: {why}"
    rejected = None if template_only else why or None
    child.update(question=question, options=[], generator="template" if why else "llm", question_rejected=rejected)
    return None


def answer_first_verdict(question: str, span: str, answer: str, evidence: list[str]) -> str:
    """'' when an answer-first row rests on its evidence: the question does not contain the span, the span
    is in the evidence, the whole answer passes the support check, and the sentence that states the span
    carries the question's names (`about_question`); else the reason (the annotation's check)."""
    from synth_hf.steps.aide.grounding import about_question
    from synth_hf.text.answer_first import gives_away, verify_answer

    if gives_away(question, span):
        return "question_gives_answer"
    why = verify_answer(answer, span, evidence)
    if why:
        return why
    return "" if about_question(question, span, evidence) else "answer_not_about_question"
