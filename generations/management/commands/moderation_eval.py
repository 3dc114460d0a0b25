import json

from django.core.management.base import BaseCommand, CommandError

from generations.moderation import eval as moderation_eval


class Command(BaseCommand):
    help = (
        "Screen a labelled JSONL file (shared/eval schema) and print recall and precision per category and "
        "technique, false blocks on benign items and the confusion matrix."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="prompts: {id, prompt, label, category, technique} per line")
        parser.add_argument("--sequences", help="sequences: {id, label, prompts: [...]} per line")
        parser.add_argument("--out", help="write one decision per prompt (and flagged_at per sequence) here")
        parser.add_argument("--strict", action="store_true", help="use the strict policy")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")

    def handle(self, *args, file, sequences, out, strict, json: bool, **options):
        try:
            rows = moderation_eval.read_jsonl(file)
            seq_rows = moderation_eval.read_jsonl(sequences) if sequences else []
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the evaluation file: {exc}") from exc
        results = moderation_eval.evaluate_prompts(rows, strict=strict)
        seq_results = moderation_eval.evaluate_sequences(seq_rows, strict=strict)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                for result in results:
                    handle.write(_dumps(moderation_eval.decision_line(result)) + "\n")
                for result in seq_results:
                    handle.write(_dumps(moderation_eval.sequence_line(result)) + "\n")
        summary = moderation_eval.summarize(results, seq_results)
        if json:
            self.stdout.write(_dumps(summary))
        else:
            self.stdout.write(moderation_eval.format_report(summary))


def _dumps(value):
    return json.dumps(value, ensure_ascii=False)
