"""Write a computed report and its exports: every file or none."""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from ..aggregation import model_soft_labels
from ..errors import InputError
from ..exports import export_soft_labels, write_labels_csv, write_list_files
from ..io.atomic import atomic_files, check_writable
from ..metrics.results import format_annotators
from .builder import Report
from .pages import report_sections
from .render import to_html, to_markdown

__all__ = [
    "write_report",
    "render_report",
    "report_schema",
    "validate_report",
    "recorded_inputs",
    "REPORT_FILES",
]

REPORT_FILES = ("report.html", "report.md", "report.json")


def report_schema() -> dict:
    """The JSON Schema of ``report.json`` (``raer_agreement/data_schema/report.schema.json``)."""
    text = (
        resources.files("raer_agreement.data_schema")
        .joinpath("report.schema.json")
        .read_text("utf-8")
    )
    return json.loads(text)


def validate_report(document: dict) -> None:
    """Raise ``jsonschema.ValidationError`` when ``document`` breaks the schema
    (needs the optional ``jsonschema`` package)."""
    import jsonschema
    from referencing import Registry, Resource

    agreement = json.loads(
        resources.files("raer_agreement.data_schema")
        .joinpath("agreement.schema.json")
        .read_text("utf-8")
    )
    registry = Registry().with_resource(agreement["$id"], Resource.from_contents(agreement))
    jsonschema.Draft202012Validator(report_schema(), registry=registry).validate(document)


def recorded_inputs(sources: Iterable, given: Iterable = ()) -> list[Path]:
    """The input files a sidecar records: the ledger's sources, then the other
    files given, each once (by resolved path); names that are not files
    (``"<DataFrame>"``) are left out.

    >>> from raer_agreement.simulate import sample_path
    >>> [p.name for p in recorded_inputs([sample_path() / "ratings.csv", "<DataFrame>"])]
    ['ratings.csv']
    """
    seen: dict[Path, Path] = {}
    for p in [*sources, *given]:
        path = Path(p)
        if path.is_file():
            seen.setdefault(path.resolve(), path)
    return list(seen.values())


def render_report(document: dict) -> tuple[str, str]:
    """The HTML and Markdown pages of a report document (``report.json``).

    The pages are functions of the document alone, so a ``report.json``
    re-renders the pages it was written with, byte for byte.

    Parameters
    ----------
    document : dict
        A report document, as :func:`~raer_agreement.report.build_report`
        makes it or as read back from ``report.json``.

    Returns
    -------
    (str, str)
        The HTML page and the Markdown page.
    """
    d = document["data"]
    subtitle = (
        f"{d['n_items']:,} clips · {format_annotators(d['n_annotators'])} · "
        f"{d['n_ratings']:,} ratings · raer_agreement {document['package']['version']} · seed "
        f"{document['seed']} · {document['n_boot']} bootstrap resamples"
    )
    sections = report_sections(document)
    title = document["title"]
    return to_html(title, subtitle, sections), to_markdown(title, subtitle, sections)


def write_report(
    report: Report, out_dir, *, force: bool = False, inputs: Iterable = (), exports: bool = True
) -> dict:
    """Write ``report.html``, ``report.md``, ``report.json`` and the exports.

    Exports (from the chosen method, on the aggregated scheme): ``labels.csv``
    (``clip_id, label, confidence, prob_<class>...``), soft-label targets
    ``soft_labels.{npz,csv,parquet}`` with the JSON sidecar, and, when the clips'
    frame counts are known, the official list files ``<split>.txt``.

    Parameters
    ----------
    report : Report
    out_dir : str or Path
    force : bool
        Overwrite existing files (otherwise any existing target stops the
        run before anything is written).
    inputs : iterable of paths
        Input files given beside the ratings (clip lists, metadata); recorded
        with their SHA-256 in the sidecar, after the files the ledger read the
        ratings from (always listed, the bundled corpus's included).

    Returns
    -------
    dict of str to Path
    """

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder", path=out)
    ann = report.annotations
    doc = dict(report.document)
    est = report.estimators[report.chosen]
    soft = model_soft_labels(
        est, ann, report.scheme, method=report.chosen, seed=doc["seed"], fitted=True
    )
    items = ann.items
    with_lists = exports and "num_frames" in items.columns and items["num_frames"].notna().any()
    planned = {
        "html": out / "report.html",
        "markdown": out / "report.md",
        "json": out / "report.json",
    }
    if exports:
        planned.update(
            labels=out / "labels.csv",
            soft_npz=out / "soft_labels.npz",
            soft_csv=out / "soft_labels.csv",
            soft_parquet=out / "soft_labels.parquet",
            soft_json=out / "soft_labels.json",
        )
        if with_lists:
            splits = items["split"].dropna().unique() if "split" in items.columns else []
            for s in list(splits) or ["all"]:
                planned[f"list_{s}"] = out / f"{s}.txt"
    for p in planned.values():  # refuse before anything is written
        check_writable(p, force=force)
    doc["outputs"] = {k: p.name for k, p in planned.items()}
    text = json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False) + "\n"
    # the pages are drawn from the document as report.json holds it
    html, markdown = render_report(json.loads(text))
    with atomic_files([planned["html"], planned["markdown"], planned["json"]], force=True) as tmp:
        tmp[planned["html"]].write_text(html, encoding="utf-8")
        tmp[planned["markdown"]].write_text(markdown, encoding="utf-8")
        tmp[planned["json"]].write_text(text, encoding="utf-8")
        if exports:
            write_labels_csv(est, planned["labels"], force=True)
            export_soft_labels(
                soft,
                out,
                formats=("npz", "csv", "parquet"),
                inputs=recorded_inputs(ann.ledger.sources, inputs),
                extra={"report": "report.json"},
                force=True,
            )
            if with_lists:
                write_list_files(est.labels_, ann, out, scheme=report.scheme, force=True)
    report.document = doc
    return planned
