"""Art. 3 / Art. 9 / major: the statistical reading of a whole complaint, beside the cue rules.

The cue rules of ``lexicon.yaml`` and ``routing.yaml`` read the words a complaint uses for
its grievance; real complainants often tell a story instead (what the salesman said, what
happened to the money) without those words.  This module scores the story as a whole with
a linear model over character n-grams and words (jieba's segmentation) of the complaint
text, together with what the cue rules found (their category, department and major
suggestion, the channel, the kind of complainant, an amount at or above the threshold), so
that the rules remain evidence and the story can outweigh them.

The model is data, ``classifier_model.json`` beside this module, written by
``bench/train_classifier.py`` from the labelled sets in ``tests/data`` (the synthetic sets,
the real-complaint development set and the reviewed staff corrections).  It is versioned,
reviewed in a diff like the lexicon, and never changes at run time: nothing here learns.

Scoring is a dictionary look-up per feature (no numerical library at run time); every
answer names the features that weighed most for it, so a person can check the reasoning.

``jieba`` is imported on the first classification, not with this module: its import and
dictionary take about 0.7 s, which a process that imports the policy but never classifies
should not pay.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("classifier_model.json")

NGRAM_SIZES = (1, 2, 3)

# Words of the intake record, not of the complaint: who came, how, to whom.  Every author of
# the real sets frames a record their own way ("客户来电投诉:", "客户到我所投诉", "对方称"),
# so n-grams made only of these carry the mix of labels of the authors trained on, not the
# story; the model reads no n-gram that lies wholly inside one of them.
FRAMING_WORDS = (
    "客户",
    "投诉",
    "反映",
    "来电",
    "来函",
    "来信",
    "我所",
    "贵所",
    "本所",
    "对方",
    "称",
)
_FRAMING_NGRAMS = frozenset(
    word[start : start + size]
    for word in FRAMING_WORDS
    for size in NGRAM_SIZES
    for start in range(len(word) - size + 1)
)


# Words (jieba's segmentation, with its own dictionary shipped in the package: nothing is
# downloaded) beside the character n-grams: a word unigram of two characters or more, and each
# pair of neighbouring words.  Word features are named ``w:词`` and ``w:词|词``.
WORD_PREFIX = "w:"


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    """jieba's tokenizer, its dictionary loaded once per process (about half a second)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def words(body: str) -> set[str]:
    """Word unigrams (two characters or more, not intake-framing words) and word bigrams."""
    found = [w for w in _tokenizer().cut(body) if w.strip()]
    out = {f"{WORD_PREFIX}{w}" for w in found if len(w) >= 2 and w not in FRAMING_WORDS}
    out |= {f"{WORD_PREFIX}{a}|{b}" for a, b in pairwise(found)}
    return out


# The subject, the first clause of the story after the intake framing (what went wrong
# first): its character 2–3-grams and words are features of their own beside the whole
# story's, named ``s:…``, and only the category model weighs them
# (``bench/train_classifier.py``).  On two sets it had never read (the eighteenth round of
# 2026-12-06) they raised the category from 80.0% to 82.0% and left the department and major
# as they were.  The demand (the sentence asking for a remedy, which decides a story of
# several grievances: docs/classification.md, the settled line) was read the same way in that
# round and moved neither field beyond a point or two, so the model does not read it.
SUBJECT_PREFIX = "s:"
_CLAUSES = re.compile(r"[^，,。！？!?；;：:]+")


def subject(body: str) -> str:
    """The first clause of ``body`` (two characters or more): what went wrong first."""
    for clause in _CLAUSES.finditer(body):
        text = clause.group().strip()
        if len(text) >= 2:
            return text
    return ""


def subject_features(body: str) -> set[str]:
    """The subject's own character 2–3-grams and words, prefixed ``s:``."""
    first = subject(body)
    if not first:
        return set()
    found = {
        f"{SUBJECT_PREFIX}{first[i : i + n]}"
        for n in (2, 3)
        for i in range(len(first) - n + 1)
        if first[i : i + n] not in _FRAMING_NGRAMS
    }
    found |= {
        f"{SUBJECT_PREFIX}{WORD_PREFIX}{w}"
        for w in _tokenizer().cut(first)
        if len(w.strip()) >= 2 and w not in FRAMING_WORDS
    }
    return found


def features(
    body: str,
    *,
    channel: str | None,
    complainant: str,
    amount: Decimal | None,
    rule_category: str,
    rule_department: str,
    rule_major: bool,
    rule_named_outright: bool = False,
) -> set[str]:
    """The features of one complaint: character n-grams of its text and the rules' findings.

    ``body`` is the normalised text without its intake framing (:func:`policy.major.unframed`).
    Training (``bench/train_classifier.py``) and scoring call this same function.
    """
    found: set[str] = set()
    for size in NGRAM_SIZES:
        for start in range(len(body) - size + 1):
            gram = body[start : start + size]
            if gram not in _FRAMING_NGRAMS:
                found.add(gram)
    found |= words(body)
    found |= subject_features(body)
    found.add(f"@rule_category={rule_category}")
    found.add(f"@rule_department={rule_department}")
    found.add(f"@rule_major={int(rule_major)}")
    if rule_named_outright:
        found.add("@rule_department_named")
    found.add(f"@complainant={complainant}")
    if channel:
        found.add(f"@channel={channel}")
    if amount is not None:  # the caller passes an amount only at or above the threshold
        found.add("@amount>=threshold")
    return found


@dataclass(frozen=True)
class FieldModel:
    """One field's linear model: per class an intercept and feature weights."""

    name: str
    classes: tuple[str, ...]
    intercepts: dict[str, float]
    weights: dict[str, dict[str, float]]
    threshold: float | None = None

    def scores(self, found: Iterable[str]) -> dict[str, float]:
        totals = dict(self.intercepts)
        for feature in found:
            row = self.weights.get(feature)
            if row:
                for cls, weight in row.items():
                    totals[cls] += weight
        return totals

    def evidence(self, found: Iterable[str], cls: str, limit: int = 6) -> list[str]:
        """The features that weighed most for ``cls`` (against the other classes)."""
        ranked: list[tuple[float, str]] = []
        for feature in found:
            if not readable(feature):
                continue
            row = self.weights.get(feature)
            if not row or cls not in row:
                continue
            others = [w for c, w in row.items() if c != cls]
            margin = row[cls] - (max(others) if others else 0.0)
            if margin > 0:
                ranked.append((margin, feature))
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return [feature for _, feature in ranked[:limit]]


@dataclass(frozen=True)
class Model:
    """The shipped model: its version, what it was trained on, and one model per field."""

    version: str
    trained_on: dict[str, Any]
    fields: dict[str, FieldModel]
    short_text: int = 0
    confident: float = 0.0
    # Art. 3: a category the cue rules find this many points ahead of the next stands
    # against the model (``None``: the model always may overrule).
    clear_lead: float | None = None
    # ... for these categories only (Art. 3 codes).
    clear_categories: frozenset[str] = frozenset()
    # Art. 9: a General Management subject the rules name outright stands against the model
    # (the reading until the seventeenth round of 2026-12-06; a model file without the key).
    named_outright_stands: bool = True
    # Art. 9: the rules' Member Management finding stands against the model when a customer
    # complains (a model file without the key: it does; a member's complaint always does).
    member_cue_stands: bool = True

    def overrules(self, prediction: Prediction, body: str) -> bool:
        """Whether the model's answer stands against the rules' for this text.

        A sentence or two is what the cue rules were written for, and gives the model few
        features to go on: below ``short_text`` characters the model overrules the rules
        only at ``confident`` probability or above.
        """
        return len(body) >= self.short_text or prediction.probability >= self.confident


@dataclass(frozen=True)
class Prediction:
    """One field's answer: the class, its probability, and the features behind it."""

    value: str
    probability: float
    evidence: tuple[str, ...]


def _field(name: str, raw: dict[str, Any]) -> FieldModel:
    classes = tuple(raw["classes"])
    weights: dict[str, dict[str, float]] = {}
    for feature, row in raw["weights"].items():
        weights[feature] = {classes[int(i)]: float(w) for i, w in row.items() if w}
    return FieldModel(
        name=name,
        classes=classes,
        intercepts={cls: float(raw["intercepts"][i]) for i, cls in enumerate(classes)},
        weights=weights,
        threshold=raw.get("threshold"),
    )


@lru_cache(maxsize=1)
def load_model() -> Model | None:
    """The shipped model, read once; ``None`` when the file is absent (rules alone decide)."""
    if not MODEL_PATH.exists():
        return None
    with MODEL_PATH.open(encoding="utf-8") as handle:
        raw: dict[str, Any] = json.load(handle)
    return Model(
        version=str(raw["version"]),
        trained_on=raw.get("trained_on", {}),
        fields={name: _field(name, spec) for name, spec in raw["fields"].items()},
        short_text=int(raw.get("short_text", 0)),
        confident=float(raw.get("confident", 0.0)),
        clear_lead=None if raw.get("clear_lead") is None else float(raw["clear_lead"]),
        clear_categories=frozenset(raw.get("clear_categories", ())),
        named_outright_stands=bool(raw.get("named_outright_stands", True)),
        member_cue_stands=bool(raw.get("member_cue_stands", True)),
    )


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exp = {cls: math.exp(score - top) for cls, score in scores.items()}
    total = sum(exp.values())
    return {cls: value / total for cls, value in exp.items()}


def predict(model: Model, field: str, found: set[str]) -> Prediction:
    """The model's answer for one field (``category``, ``department`` or ``major``)."""
    spec = model.fields[field]
    scores = spec.scores(found)
    if len(spec.classes) == 1:  # a binary field stores the positive class only
        (positive,) = spec.classes
        probability = 1.0 / (1.0 + math.exp(-scores[positive]))
        threshold = spec.threshold if spec.threshold is not None else 0.5
        value = "true" if probability >= threshold else "false"
        cls = positive if value == "true" else ""
        evidence = _binary_evidence(spec, found, positive, value == "true")
        return Prediction(value, probability if cls else 1.0 - probability, tuple(evidence))
    probabilities = _softmax(scores)
    value = max(spec.classes, key=lambda cls: probabilities[cls])
    return Prediction(value, probabilities[value], tuple(spec.evidence(found, value)))


def _binary_evidence(spec: FieldModel, found: set[str], positive: str, yes: bool) -> list[str]:
    ranked = sorted(
        (
            (spec.weights[f][positive] if yes else -spec.weights[f][positive], f)
            for f in found
            if readable(f) and f in spec.weights and positive in spec.weights[f]
        ),
        key=lambda item: (-item[0], item[1]),
    )
    return [feature for weight, feature in ranked[:6] if weight > 0]


_PUNCTUATION = set(",.!?;:，。！？；：、()（）“”\"'「」【】《》…-—")


def readable(feature: str) -> bool:
    """A feature a person can check as a reason: a rule finding, or two or more characters
    of text that are not mostly punctuation (a single character says nothing on its own)."""
    if feature.startswith("@"):
        return True
    if feature.startswith(SUBJECT_PREFIX):
        feature = feature[len(SUBJECT_PREFIX) :]
    if feature.startswith(WORD_PREFIX):
        feature = feature[len(WORD_PREFIX) :].replace("|", "")
    letters = [char for char in feature if char not in _PUNCTUATION]
    return len(letters) >= 2


def describe(feature: str) -> str:
    """A feature as a person reads it: a quoted piece of text, or the rule finding it names."""
    if feature.startswith("@"):
        name, _, value = feature[1:].partition("=")
        return f"[{_FINDINGS.get(name, name)}{'=' + value if value else ''}]"
    if feature.startswith(SUBJECT_PREFIX):
        text = feature[len(SUBJECT_PREFIX) :]
        text = text[len(WORD_PREFIX) :] if text.startswith(WORD_PREFIX) else text
        return f"「首述…{text}」"
    if feature.startswith(WORD_PREFIX):
        return f"「{feature[len(WORD_PREFIX) :].replace('|', ' ')}」"
    return f"「{feature}」"


_FINDINGS = {
    "rule_category": "规则类别",
    "rule_department": "规则部门",
    "rule_major": "规则重大",
    "complainant": "投诉人",
    "channel": "渠道",
    "amount>=threshold": "金额达到阈值",
    "rule_department_named": "规则认定综合管理部事项",
}
