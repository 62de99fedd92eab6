"""The FAQ topic classifier: TF-IDF character and word features, linear SVMs, calibrated probabilities.

Plain scikit-learn, no Rasa: ``addons/faq_selector.py`` wraps it as an NLU
component, and benchmarks and tests can train and query it directly.

Two classifiers share one feature space:

- *topics*: which FAQ topic a question is about (one linear SVM, its scores
  turned into probabilities by Platt scaling fitted on 5-fold cross-validated
  scores);
- *coverage* (optional): how likely the message asks something the FAQ does
  not answer, trained on the FAQ examples against examples of such questions.

Choices, measured on the regression set tests/nlu_holdout.yml (README,
"Answer quality"): character n-grams 3-5 inside word boundaries plus words
beat 2-5 and 2-6 and word bigrams; one SVM calibrated on cross-validated
scores answered more questions right than the average of five fold models at
the same rate of wrong answers, and is five times smaller and faster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
FOLDS = 5


def fold(text: str) -> str:
    """Lower case with umlauts spelt out, so "Gültig" and "gueltig" share their n-grams."""
    return (text or "").casefold().translate(_UMLAUTS)


def _features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=fold,
                        dtype="float32"),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 1), sublinear_tf=True, preprocessor=fold,
                        dtype="float32"),
    )


def _classifier(x: Any, labels: Any, c: float, seed: int, balanced: bool = False,
                weights: Optional[list[float]] = None) -> Any:
    from collections import Counter

    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    rare = {label: n for label, n in Counter(labels).items() if n < FOLDS}
    if rare:
        raise ValueError(f"each label needs at least {FOLDS} examples: {rare}")
    svm = LinearSVC(C=c, random_state=seed, class_weight="balanced" if balanced else None)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=FOLDS, ensemble=False).fit(x, labels, sample_weight=weights)


@dataclass
class TopicModel:
    features: Any
    topics: Any
    coverage: Optional[Any] = None
    #: The coverage classifier's label for "the FAQ does not answer this".
    OUTSIDE = "outside"

    @classmethod
    def train(cls, texts: list[str], labels: list[str], outside: Optional[list[str]] = None,
              c: float = 1.0, seed: int = 42, balanced: bool = False,
              weights: Optional[list[float]] = None) -> "TopicModel":
        """Fit on ``texts`` and their ``labels`` (FAQ topics ``faq/<topic>``, or intents); ``outside``: questions
        the FAQ does not answer; ``balanced``: weigh each label by the inverse of its number of examples."""
        import numpy as np

        outside = list(outside or [])
        features = _features().fit(list(texts) + outside)
        x = features.transform(list(texts))
        # an array, not a list: scikit-learn 1.1's calibration counts the examples per class with ``y == class``
        topics = _classifier(x, np.asarray(labels), c, seed, balanced, weights)
        coverage = None
        if outside:
            both = features.transform(list(texts) + outside)
            coverage = _classifier(both, np.asarray(["inside"] * len(texts) + [cls.OUTSIDE] * len(outside)), c, seed)
        return cls(features, topics, coverage)

    def analyse(self, text: str) -> tuple[list[tuple[str, float]], float]:
        """Every topic with its probability (most likely first), and the probability that the FAQ
        does not answer the message at all (0.0 without a coverage classifier, or for a message none of
        whose n-grams the model knows)."""
        x = self.features.transform([text or ""])
        probabilities = self.topics.predict_proba(x)[0]
        ranking = sorted(((str(k), float(p)) for k, p in zip(self.topics.classes_, probabilities)),
                         key=lambda kp: -kp[1])
        outside = 0.0
        # a message without a single known n-gram ("?!", "👍") says nothing about being outside the FAQ: its
        # calibrated probability would be the bare prior, which more outside examples push past any threshold
        if self.coverage is not None and x.nnz:
            row = self.coverage.predict_proba(x)[0]
            outside = float(dict(zip(self.coverage.classes_, row)).get(self.OUTSIDE, 0.0))
        return ranking, outside

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every topic with its probability, most likely first."""
        return self.analyse(text)[0]


def blend(ranking: list[tuple[str, float]], other: dict[str, float], weight: float) -> list[tuple[str, float]]:
    """``ranking``'s probabilities mixed with another classifier's (``weight`` of ``other``, 0 to 1), best first.

    A label ``other`` does not rate counts as 0 there; labels only ``other`` knows are left out.
    """
    if not other or not weight:
        return list(ranking)
    mixed = ((label, (1 - weight) * p + weight * float(other.get(label, 0.0))) for label, p in ranking)
    return sorted(mixed, key=lambda kp: -kp[1])
