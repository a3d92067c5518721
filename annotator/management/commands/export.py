import json
import os
import signal
import sys
import threading
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotator.exports.card import unreviewed_note
from annotator.exports.engine import Export
from annotator.exports.options import FORMAT_CHOICES, BadParameter, options_parse
from annotator.management.commands.import_documents import _project


class Command(BaseCommand):
    help = (
        "Export a project's dataset (the engine of the web page and the API) to a file or "
        "stdout. What a format cannot hold is reported on stderr; --card writes the card."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project id or exact name.")
        parser.add_argument("--format", default="jsonl", help=", ".join(FORMAT_CHOICES))
        parser.add_argument("--layer", default="all", help="all, gold, majority, mine, user:NAME")
        parser.add_argument("--status", default="any", help="any or complete")
        parser.add_argument("--labels", default="", help="A subset, e.g. WEAPONS,PERSON")
        parser.add_argument("--split", default="", help="train,dev,test fractions: 0.8,0.1,0.1")
        parser.add_argument("--seed", default="0")
        parser.add_argument("--user", help="Whose layer 'mine' is.")
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="File to write, or a folder to write it in under the name the web page "
            "gives the download (default: stdout).",
        )
        parser.add_argument("--card", type=Path, help="Also write the dataset card (JSON) here.")

    def handle(self, *args, project: str, user: str | None, output, card, **options):
        target = _project(project)
        who = None
        if user:
            who = get_user_model().objects.filter(username=user).first()
            if who is None:
                raise CommandError(f"No user named {user!r}.")
        params = {key: str(options[key]) for key in ("format", "layer", "status", "labels")}
        params |= {"split": str(options["split"]), "seed": str(options["seed"])}
        try:
            export_options = options_parse(params, project=target, user=who)
        except BadParameter as error:
            raise CommandError(f"Bad parameter: {error}") from None
        export = Export(project=target, options=export_options)
        if output and output.is_dir():
            output = output / export.filename
        if output:
            _write_whole(output, export.stream())
        else:
            sink = _binary_stdout(self.stdout)
            for block in export.stream():
                sink.write(block)
            sink.flush()
        report = export.report
        if card:
            card.write_text(json.dumps(export.card(), ensure_ascii=False, indent=2))
        self.stderr.write(
            f"Exported {report.documents} document(s), {report.spans} span(s) as "
            f"{export_options.format}{f' to {output}' if output else ''}."
        )
        self.stderr.write(
            f"Dropped {report.dropped.total}, merged {report.merged.total}, "
            f"adjusted {report.adjusted.total} span(s)."
        )
        for line in report.lines():
            self.stderr.write(line)
        if report.unreviewed:
            self.stderr.write(
                f"{unreviewed_note(report.unreviewed, report.documents)} "
                "--status complete exports the reviewed ones only."
            )


def _write_whole(output: Path, blocks) -> None:
    """Write the file whole or not at all: a half-written dataset must never look finished.

    The export goes to a hidden ``.<name>.partial`` beside the target and is renamed into
    place (atomically) when complete; an error, Ctrl-C or SIGTERM removes it instead.
    """
    partial = output.with_name(f".{output.name}.partial")
    # SIGTERM's default ends the process without running ``finally``; exit through it.
    # (Signal handlers can only be set from the main thread.)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    if main:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with partial.open("wb") as sink:
            for block in blocks:
                sink.write(block)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
        if main:
            signal.signal(signal.SIGTERM, previous)


def _binary_stdout(stream):
    out = getattr(stream, "_out", stream)
    return getattr(out, "buffer", sys.stdout.buffer)
