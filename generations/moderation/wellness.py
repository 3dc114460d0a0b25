"""Moderator wellness, pure: how a reviewer sees an item (blur level, grayscale, sketch, a warning screen, muted
audio, playback speed), and which items count as graphic for exposure tracking.

Settings come in layers, each a partial dict of FIELDS (a missing key means "no opinion"):

    BASE ← organisation defaults ← moderator's defaults ← per-harm overrides of the item's harms

Per-harm overrides: for every harmful category present on the item (its score reaches the policy's review
threshold), the organisation's override and then the moderator's own override for that category are laid
on, from the least severe category present to the most severe (HARMS order). So the most severe category
present decides wherever overrides disagree, and a less severe category's override still applies to the
fields the more severe one leaves alone (an item that is both violent and sexual gets the violence override's
grayscale and the sexual override's blur 4, unless violence also sets a blur). A moderator's override beats
the organisation's for the same category.

Graphic (counted towards exposure): an item with violence (gore folds into it), sexual, sexual_minors or
self_harm at or above its review threshold.
"""

from __future__ import annotations

from generations.moderation.text import policy as text_policy

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
FIELDS = ("blur", "grayscale", "sketch", "warning", "mute", "speed")
# What a reviewer sees when nobody chose anything: the studio's historical blur, sound off.
BASE = {"blur": 4, "grayscale": False, "sketch": False, "warning": False, "mute": True, "speed": 1.0}
# Most severe first.
HARMS = ("sexual_minors", "violence", "self_harm", "sexual", "illegal", "deepfake")
HARM_LABELS = {
    "sexual_minors": "Sexual content involving minors", "violence": "Violence and gore", "self_harm": "Self-harm",
    "sexual": "Sexual content", "illegal": "Illegal activity", "deepfake": "Real people (deepfake)",
}
GRAPHIC = ("violence", "sexual", "sexual_minors", "self_harm")
# Visual detectors may report under their own names; these fold into a policy category.
ALIASES = {"gore": "violence", "nudity": "sexual", "self_injury": "self_harm"}


def clean(values) -> dict:
    """Pure: the valid part of a partial settings dict (unknown keys and bad values dropped)."""
    cleaned = {}
    for name, value in (values or {}).items():
        if name == "blur" and isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
            cleaned[name] = value
        elif name in ("grayscale", "sketch", "warning", "mute") and isinstance(value, bool):
            cleaned[name] = value
        elif name == "speed" and isinstance(value, (int, float)) and not isinstance(value, bool) and float(value) in SPEEDS:
            cleaned[name] = float(value)
    return cleaned


def clean_overrides(overrides) -> dict:
    """Pure: {harm: partial settings} with unknown harms and empty overrides dropped."""
    result = {}
    for harm, values in (overrides or {}).items():
        harm = ALIASES.get(harm, harm)
        values = clean(values)
        if harm in HARMS and values:
            result[harm] = values
    return result


def category_scores(categories) -> dict:
    """Pure: {category: score} with detector aliases folded in by max."""
    scores = {}
    for name, score in (categories or {}).items():
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            name = ALIASES.get(name, name)
            scores[name] = max(scores.get(name, 0.0), float(score))
    return scores


def harms_present(categories, policy=text_policy.DEFAULT) -> list[str]:
    """Pure: the harmful categories whose score reaches their review threshold, most severe first."""
    scores = category_scores(categories)
    return [harm for harm in HARMS if scores.get(harm, 0.0) >= policy.threshold(harm)[0]]


def is_graphic(categories, policy=text_policy.DEFAULT) -> bool:
    return any(harm in GRAPHIC for harm in harms_present(categories, policy))


def effective(categories=None, *, org=None, org_overrides=None, mine=None, my_overrides=None,
              policy=text_policy.DEFAULT) -> dict:
    """Pure: the settings a moderator sees an item with (every FIELD), plus "harm": the most severe harmful
    category present (or "") and "graphic"."""
    result = {**BASE, **clean(org), **clean(mine)}
    present = harms_present(categories, policy)
    org_overrides, my_overrides = clean_overrides(org_overrides), clean_overrides(my_overrides)
    for harm in reversed(present):  # least severe first: the most severe lands last and wins
        result.update(org_overrides.get(harm, {}))
        result.update(my_overrides.get(harm, {}))
    result["harm"] = present[0] if present else ""
    result["graphic"] = any(harm in GRAPHIC for harm in present)
    return result
