import json

from django.core.management.base import BaseCommand

from generations.moderation.text.policy import negative_prompt_for
from generations.moderation.text.screening import screen_prompt


class Command(BaseCommand):
    help = "Screen one prompt and explain the decision (scores, thresholds, matched spans and views)."

    def add_arguments(self, parser):
        parser.add_argument("prompt")
        parser.add_argument("--negative", default="", help="the negative prompt sent with it")
        parser.add_argument("--strict", action="store_true", help="use the strict policy (restricted users)")
        parser.add_argument("--face", action="store_true", help="the request carries an image with a face")
        parser.add_argument("--json", action="store_true", help="print the audit record as JSON")

    def handle(self, *args, prompt, negative, strict, face, json: bool, **options):
        decision = screen_prompt(prompt, negative, strict=strict, has_face_input=face)
        if json:
            record = decision.as_audit()
            record["user_message"] = decision.user_message
            record["suggestion"] = decision.suggestion
            record["negative_prompt_upstream"] = negative_prompt_for(decision)
            self.stdout.write(_dumps(record))
            return
        out = self.stdout.write
        top = f"  (top category: {decision.top_category})" if decision.top_category else ""
        out(f"decision: {decision.decision}{top}")
        out(f"policy: {decision.policy_name}@{decision.policy_version}   needs human: {decision.needs_human}")
        if decision.user_message:
            out(f"user message: {decision.user_message}")
            out(f"suggestion: {decision.suggestion}")
        out("scores (review / block thresholds):")
        for category, score in decision.categories.items():
            review, block = decision.thresholds[category]
            marker = " <" if score >= review else ""
            limit = f"{block:.2f}" if block <= 1 else "never"
            out(f"  {category:<14} {score:5.2f}   ({review:.2f} / {limit}){marker}")
        if decision.reasons:
            out("reasons:")
            for reason in decision.reasons:
                out(f"  - {reason}")
        fired = [s for s in decision.spans if s["categories"]]
        if fired:
            out("matched (view: text):")
            for span in fired:
                categories = ", ".join(span["categories"])
                out(f"  - [{span['detector']}] {span['view']}: {span['text']!r} -> {categories} ({span['rule']})")
        if decision.decided_by:
            out(f"decided by: the {decision.decided_by['layer']} layer, in {decision.decided_by['part']}")
        out("parts screened: " + ", ".join(decision.parts))
        if decision.semantic is None:
            out("semantic layer: did not run (switched off, not loaded, a language it does not read, or the "
                "lexicon already blocked with certainty)")
        elif decision.semantic["scores"]:
            out("semantic layer: " + ", ".join(f"{c} {v:.2f}" for c, v in decision.semantic["scores"].items()))
        if decision.escalation:
            out(f"escalation: {decision.escalation}")
        out("engines: " + ", ".join(f"{name}@{version}" for name, version in decision.engines))


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, indent=2)
