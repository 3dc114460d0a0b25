import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from generations.catalog import with_inline_negative
from generations.moderation.text import evaluation as moderation_eval
from generations.moderation.text.screening import screen_prompt


class Command(BaseCommand):
    help = (
        "Screen labelled JSONL files (shared/eval schema) and print recall and precision per category and "
        "technique, false blocks on benign items and the confusion matrix; with several files, one table row "
        "per file (the cross-hand table) and the report of each with --detail."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="prompts: {id, prompt, label, category, technique} per line")
        parser.add_argument("--sequences", help="sequences: {id, label, prompts: [...]} per line (one file only; "
                                                "with several files, each X-prompts.jsonl finds its X-sequences.jsonl)")
        parser.add_argument("--out", help="write one decision per prompt (and flagged_at per sequence) here; with "
                                          "several files, a folder that gets one decisions file per input")
        parser.add_argument("--strict", action="store_true", help="use the strict policy")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
        parser.add_argument("--detail", action="store_true", help="with several files, also print each report")
        parser.add_argument("--as-written", action="store_true",
                            help="screen each prompt as written; by default it is read as a text-to-video request "
                                 "reads it (an inline 'negative:' section becomes part of the negative prompt)")

    def handle(self, *args, files, sequences, out, strict, json: bool, detail, as_written, **options):
        several = len(files) > 1
        screen = screen_prompt if as_written else _as_requested
        summaries = {}
        for file in files:
            seq_file = sequences if not several else _sequences_beside(file)
            try:
                rows = moderation_eval.read_jsonl(file)
                seq_rows = moderation_eval.read_jsonl(seq_file) if seq_file else []
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the evaluation file {file}: {exc}") from exc
            results = moderation_eval.evaluate_prompts(rows, strict=strict, screen=screen)
            seq_results = moderation_eval.evaluate_sequences(seq_rows, strict=strict, screen=screen)
            if out:
                target = Path(out) / (Path(file).stem + ".decisions.jsonl") if several else Path(out)
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "w", encoding="utf-8") as handle:
                    for result in results:
                        handle.write(_dumps(moderation_eval.decision_line(result)) + "\n")
                    for result in seq_results:
                        handle.write(_dumps(moderation_eval.sequence_line(result)) + "\n")
            summaries[file] = moderation_eval.summarize(results, seq_results)
        if json:
            self.stdout.write(_dumps(summaries if several else summaries[files[0]]))
            return
        if not several:
            self.stdout.write(moderation_eval.format_report(summaries[files[0]]))
            return
        if detail:
            for file, summary in summaries.items():
                self.stdout.write(f"== {file}\n" + moderation_eval.format_report(summary) + "\n")
        self.stdout.write(moderation_eval.format_table(summaries))


def _as_requested(prompt, negative_prompt="", **kwargs):
    """Screen a prompt as a text-to-video request sends it (catalog: an inline negative section is moved into the
    negative prompt)."""
    return screen_prompt(*with_inline_negative(prompt, negative_prompt), **kwargs)


def _sequences_beside(file):
    path = Path(file)
    if not path.name.endswith("prompts.jsonl"):
        return None
    candidate = path.with_name(path.name[: -len("prompts.jsonl")] + "sequences.jsonl")
    return str(candidate) if candidate.exists() else None


def _dumps(value):
    return json.dumps(value, ensure_ascii=False)
