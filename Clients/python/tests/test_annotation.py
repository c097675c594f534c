"""The client's table of ART's reward fields: it mirrors the Swift one and follows its rules."""

import re
from pathlib import Path

from gavel_client import annotation

SWIFT = Path(__file__).resolve().parents[3] / "Sources/GavelScoring/Stage/ARTAnnotation.swift"


def test_names_agree_with_the_swift_table():
    if not SWIFT.exists():  # an installed wheel's tests run outside the repository
        import pytest

        pytest.skip(f"{SWIFT} is not here (tests run from an installed wheel)")
    text = SWIFT.read_text()
    swift = dict(re.findall(r'public static let (\w+) = "([^"]*)"', text))
    python = {name: getattr(annotation, name) for name in ("REWARD", "METRICS", "SCORE_METRIC", "ORIGINAL_REWARD_METRIC", "LOGS", "LOG_PREFIX", "GAVEL")}
    mirrored = dict(re.findall(r'"(\w+)": (\w+)', text[text.index("mirrored"):]))
    assert {py: swift[sw] for py, sw in mirrored.items()} == python


def test_rules():
    t = {"reward": 0.5, "metrics": {"duration": 3}, "logs": ["a"]}
    annotation.annotate(t, 0.75, "why", {"group": "g"})
    assert t == {"reward": 0.75, "metrics": {"duration": 3, "independent_reward": 0.5, "ruler_score": 0.75}, "logs": ["a", "RULER explanation: why"], "gavel": {"group": "g"}}
    kept = {"reward": 1, "metrics": {"independent_reward": 0.25}, "logs": None}
    annotation.annotate(kept, 0.1, "w", {})
    assert kept["metrics"] == {"independent_reward": 0.25, "ruler_score": 0.1} and kept["logs"] == ["RULER explanation: w"]
    odd = {"metrics": "text", "logs": "text"}
    annotation.annotate(odd, 0.2, "w", {})
    assert odd == {"metrics": "text", "logs": "text", "reward": 0.2, "gavel": {}}
    bare: dict = {}
    annotation.annotate(bare, 0.3, "w", {})
    assert bare["metrics"] == {"independent_reward": None, "ruler_score": 0.3}
