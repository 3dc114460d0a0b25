"""Offline evaluation of prompt screening against labelled JSONL (the schema of shared/eval/).

prompts:   {"id", "prompt", "label": allow|review|block, "category", "technique"}
sequences: {"id", "label": escalating|benign, "prompts": [...]}, one user's successive edits

`evaluate_prompts` / `evaluate_sequences` return per-item results; `summarize` computes the numbers and
`format_report` prints them (recall and precision per category and technique, false blocks on benign and
hard-negative items, the confusion matrix). Used by `manage.py moderation_eval`.
"""

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from generations.moderation.text.policy import ALLOW, BLOCK, REVIEW, SEVERITY
from generations.moderation.text.screening import PriorPrompt, screen_prompt

LABELS = (ALLOW, REVIEW, BLOCK)
BENIGN_CATEGORIES = ("benign", "hard_negative")


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate_prompts(rows, *, strict=False, screen=screen_prompt):
    results = []
    for row in rows:
        decision = screen(row["prompt"], row.get("negative_prompt", ""), strict=strict)
        results.append({"row": row, "decision": decision})
    return results


def evaluate_sequences(rows, *, strict=False, screen=screen_prompt):
    """Each step is screened with the earlier steps (and what was decided on them) as history."""
    results = []
    start = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    for row in rows:
        history = []
        decisions = []
        for step, prompt in enumerate(row["prompts"]):
            now = start + timedelta(minutes=step)
            decision = screen(prompt, history=tuple(history), strict=strict, now=now)
            decisions.append(decision.decision)
            history.append(PriorPrompt(text=prompt, decision=decision.decision, categories=decision.categories, at=now))
        flagged_at = next((i for i, d in enumerate(decisions) if d != ALLOW), None)
        results.append({"row": row, "decisions": decisions, "flagged_at": flagged_at})
    return results


def decision_line(result):
    decision = result["decision"]
    return {
        "id": result["row"]["id"],
        "decision": decision.decision,
        "categories": {k: v for k, v in decision.categories.items()},
        "reasons": list(decision.reasons),
    }


def sequence_line(result):
    return {"id": result["row"]["id"], "flagged_at": result["flagged_at"]}


def _ratio(num, den):
    return None if den == 0 else num / den


def _group_stats(items):
    """Recall: label allow-not items that were held or blocked at least as hard as labelled.
    Precision: of the items held or blocked, those whose label is not allow."""
    should = [r for r in items if r["row"]["label"] != ALLOW]
    caught = [r for r in should if SEVERITY[r["decision"].decision] >= SEVERITY[r["row"]["label"]]]
    flagged = [r for r in items if r["decision"].decision != ALLOW]
    correct_flags = [r for r in flagged if r["row"]["label"] != ALLOW]
    return {
        "n": len(items),
        "exact": _ratio(sum(1 for r in items if r["decision"].decision == r["row"]["label"]), len(items)),
        "recall": _ratio(len(caught), len(should)),
        "precision": _ratio(len(correct_flags), len(flagged)),
        "false_blocks": sum(1 for r in items if r["decision"].decision == BLOCK and r["row"]["label"] != BLOCK),
    }


def summarize(prompt_results, sequence_results=()):
    label_block = [r for r in prompt_results if r["row"]["label"] == BLOCK]
    label_review = [r for r in prompt_results if r["row"]["label"] == REVIEW]
    minors = [r for r in prompt_results if r["row"].get("category") == "sexual_minors"]
    benign = [r for r in prompt_results if r["row"].get("category") in BENIGN_CATEGORIES]
    allowed = [r for r in prompt_results if r["row"]["label"] == ALLOW]
    confusion = Counter((r["row"]["label"], r["decision"].decision) for r in prompt_results)
    by_category = defaultdict(list)
    by_technique = defaultdict(list)
    for r in prompt_results:
        by_category[r["row"].get("category", "?")].append(r)
        by_technique[r["row"].get("technique", "?")].append(r)
    summary = {
        "prompts": len(prompt_results),
        "exact": _ratio(sum(1 for r in prompt_results if r["decision"].decision == r["row"]["label"]),
                        len(prompt_results)),
        "block_recall": _ratio(sum(1 for r in label_block if r["decision"].decision == BLOCK), len(label_block)),
        "sexual_minors_blocked": [sum(1 for r in minors if r["decision"].decision == BLOCK), len(minors)],
        "benign_false_blocks": sum(1 for r in benign if r["decision"].decision == BLOCK),
        "benign_false_blocks_ids": [r["row"]["id"] for r in benign if r["decision"].decision == BLOCK],
        "review_held": _ratio(sum(1 for r in label_review if r["decision"].decision != ALLOW), len(label_review)),
        "allow_held_or_blocked": sum(1 for r in allowed if r["decision"].decision != ALLOW),
        "by_category": {k: _group_stats(v) for k, v in sorted(by_category.items())},
        "by_technique": {k: _group_stats(v) for k, v in sorted(by_technique.items())},
        "confusion": {label: {d: confusion.get((label, d), 0) for d in LABELS} for label in LABELS},
        "misses": [
            {"id": r["row"]["id"], "label": r["row"]["label"], "decision": r["decision"].decision}
            for r in prompt_results
            if r["decision"].decision != r["row"]["label"]
        ],
    }
    if sequence_results:
        escalating = [r for r in sequence_results if r["row"]["label"] == "escalating"]
        benign_seq = [r for r in sequence_results if r["row"]["label"] != "escalating"]
        summary["sequences"] = {
            "escalating": len(escalating),
            "escalating_flagged_by_last_step": sum(1 for r in escalating if r["flagged_at"] is not None),
            "benign": len(benign_seq),
            "benign_flagged": sum(1 for r in benign_seq if r["flagged_at"] is not None),
            "flagged_at": {r["row"]["id"]: r["flagged_at"] for r in sequence_results},
        }
    return summary


def _pct(value):
    return "  -  " if value is None else f"{value * 100:5.1f}%"


def format_report(summary):
    lines = []
    lines.append(f"prompts: {summary['prompts']}   exact match: {_pct(summary['exact'])}")
    lines.append(f"block recall:               {_pct(summary['block_recall'])}")
    blocked, total = summary["sexual_minors_blocked"]
    lines.append(f"sexual_minors blocked:      {blocked}/{total}")
    lines.append(f"benign/hard_negative blocked: {summary['benign_false_blocks']}"
                 + (f"  {summary['benign_false_blocks_ids']}" if summary["benign_false_blocks_ids"] else ""))
    lines.append(f"review items held/blocked:  {_pct(summary['review_held'])}")
    lines.append(f"allow items held/blocked:   {summary['allow_held_or_blocked']}")
    for title, key in (("category", "by_category"), ("technique", "by_technique")):
        lines.append("")
        lines.append(f"{title:<18} {'n':>4} {'recall':>7} {'precis.':>7} {'exact':>7} {'false-blk':>9}")
        for name, stats in summary[key].items():
            lines.append(
                f"{name:<18} {stats['n']:>4} {_pct(stats['recall']):>7} {_pct(stats['precision']):>7} "
                f"{_pct(stats['exact']):>7} {stats['false_blocks']:>9}"
            )
    lines.append("")
    lines.append("confusion (rows: label, columns: decision)")
    lines.append(f"{'':<8}" + "".join(f"{d:>8}" for d in LABELS))
    for label in LABELS:
        lines.append(f"{label:<8}" + "".join(f"{summary['confusion'][label][d]:>8}" for d in LABELS))
    if summary["misses"]:
        lines.append("")
        lines.append("misses: " + ", ".join(f"{m['id']} ({m['label']}->{m['decision']})" for m in summary["misses"]))
    seq = summary.get("sequences")
    if seq:
        lines.append("")
        lines.append(f"escalating sequences flagged by their last step: {seq['escalating_flagged_by_last_step']}"
                     f"/{seq['escalating']}")
        lines.append(f"benign sequences flagged: {seq['benign_flagged']}/{seq['benign']}")
        lines.append("flagged_at: " + ", ".join(f"{k}={v}" for k, v in seq["flagged_at"].items()))
    return "\n".join(lines)


def format_table(summaries):
    """One row per evaluation file: the figures the screening targets are stated in."""
    header = (f"{'file':<34} {'n':>5} {'block rec.':>10} {'minors':>8} {'false blk':>10} {'review held':>11} "
              f"{'allow held':>10} {'sequences':>14}")
    lines = [header, "-" * len(header)]
    for file, summary in summaries.items():
        benign_n = sum(stats["n"] for name, stats in summary["by_category"].items() if name in BENIGN_CATEGORIES)
        false_rate = summary["benign_false_blocks"] / benign_n if benign_n else None
        blocked, total = summary["sexual_minors_blocked"]
        allowed = sum(summary["confusion"][ALLOW].values())
        seq = summary.get("sequences")
        seq_text = "-"
        if seq:
            wrong = (seq["escalating"] - seq["escalating_flagged_by_last_step"]) + seq["benign_flagged"]
            seq_text = f"{wrong} wrong/{seq['escalating'] + seq['benign']}"
        name = file.rsplit("/", 1)[-1]
        lines.append(
            f"{name:<34} {summary['prompts']:>5} {_pct(summary['block_recall']):>10} {blocked:>4}/{total:<3} "
            f"{_pct(false_rate):>10} {_pct(summary['review_held']):>11} "
            f"{_pct(summary['allow_held_or_blocked'] / allowed if allowed else None):>10} {seq_text:>14}"
        )
    return "\n".join(lines)
