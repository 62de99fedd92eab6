"""bot/context_prior.py: the topics members ask next order the "Meinten Sie ...?" topics of a follow-up."""

from __future__ import annotations

from pathlib import Path

from bot import context_prior
from bot.config import PROJECT_ROOT
from bot.faq import Candidate


def test_pairs_are_counted_from_the_wants_of_a_script(tmp_path: Path):
    script = tmp_path / "members_dev_x.yml"
    script.write_text("""conversations:
  - name: x
    steps:
      - user: a
        want: faq:qr_code
      - user: b
        want: thanks
      - user: c
        want: [faq:qr_code_expired, faq:health_card_digits]
""", encoding="utf-8")
    # a step without an FAQ topic keeps the last one; a list shares its weight
    assert context_prior.learn([script]) == {"qr_code": {"health_card_digits": 0.5, "qr_code_expired": 0.5}}


def test_the_prior_reorders_but_keeps_every_candidate():
    counts = {"qr_code": {"qr_code_expired": 10.0}}
    candidates = [Candidate("nect_steps", 0.5), Candidate("qr_code_expired", 0.4), Candidate("ssl", 0.1)]
    ranked = context_prior.rerank(candidates, "qr_code", counts, topics=36)
    assert [c.topic for c in ranked] == ["qr_code_expired", "nect_steps", "ssl"]
    assert abs(sum(c.confidence for c in ranked) - 1.0) < 1e-9
    # without a known previous topic, the selector's order stands
    assert [c.topic for c in context_prior.rerank(candidates, "ssl", counts)] == ["nect_steps", "qr_code_expired", "ssl"]
    assert [c.topic for c in context_prior.rerank(candidates, None, counts)] == ["nect_steps", "qr_code_expired", "ssl"]


def test_the_kept_counts_are_those_of_the_development_scripts_and_never_the_blind_one():
    import yaml

    kept = yaml.safe_load(context_prior.PRIOR_PATH.read_text(encoding="utf-8"))
    scripts = sorted((PROJECT_ROOT / "tests" / "conversations").glob("members_dev*.yml"))
    assert kept["scripts"] == [p.name for p in scripts] and "members_blind.yml" not in kept["scripts"]
    assert kept["counts"] == context_prior.learn(scripts), "run `python -m bot.context_prior`"
