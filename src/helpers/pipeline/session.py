"""What a notebook needs from the pipeline: its survey, parameters, inputs and outputs.

A notebook's first code cell calls :func:`open_stage`. Under the stage runner
(``dvc repro``) the stage writes the pipeline's files; run by hand in Jupyter it
writes the same relative paths under ``scratch/`` (ignored by git), so exploring
never overwrites a committed output. ``outputs="pipeline"`` asks for the
pipeline's folders explicitly; ``overrides`` (an experiment) only go to scratch.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from helpers.core.params import Params
from helpers.pipeline import layout
from helpers.pipeline.config import (
    ConfigError,
    StageParams,
    StageSpec,
    load_params,
    parse_params,
    project_root,
    stage_spec,
)
from helpers.pipeline.staging import Content, write_outputs

OUTPUT_MODES = ("scratch", "pipeline")


@dataclass(frozen=True)
class Stage:
    """One stage of one survey, as a notebook sees it (paths relative to ``root``)."""

    spec: StageSpec
    params: StageParams
    root: Path
    outputs: str

    @property
    def survey(self) -> str:
        """The survey's id (a key of ``surveys:`` in params.yaml)."""
        return self.spec.survey

    def get(self, key: str) -> Any:
        """A declared parameter: ``codebook``, ``input_kind``, ``stats.rounding`` ..."""
        return self.params.get(key)

    def section(self, name: str) -> Any:
        """A declared section as its model (``stats`` -> StatsParams)."""
        return self.params.section(name)

    def _where(self, path: str) -> str:
        return layout.scratch_path(path) if self.outputs == "scratch" else path

    def input(self, stage: str, name: str) -> str:
        """An upstream output this stage reads; it must be one of its dvc.yaml deps.

        In scratch mode the scratch copy is read when an earlier notebook wrote one
        (run the chain by hand), otherwise the pipeline's file.
        """
        path = layout.data_outputs(stage, self.survey)[name]
        if path not in self.spec.deps:
            raise ConfigError(
                f"dvc.yaml: stage {self.spec.name!r} reads {path} but does not list it in `deps:`"
            )
        scratch = layout.scratch_path(path)
        return scratch if self.outputs == "scratch" and (self.root / scratch).is_file() else path

    def output(self, name: str) -> str:
        """Where this stage writes its output ``name`` in the current mode."""
        return self._where(layout.data_outputs(self.spec.name, self.survey)[name])

    def report_file(self, name: str) -> str:
        """Where the runner renders this survey's report (``html`` or ``pdf``), from the root."""
        return layout.report_outputs(self.survey)[name]

    def editions(self) -> list[tuple[str, dict[str, str]]]:
        """Each edition of the report (``surveys.<id>.languages``): its language and files.

        The files (``html``, ``pdf``, ``tables``) are pipeline paths from the root; the
        first language is the default edition (``report.html``, ...).
        """
        langs = self.get("languages")
        return [
            (lang, layout.edition_files(self.survey, lang, default=i == 0))
            for i, lang in enumerate(langs)
        ]

    def write(
        self,
        contents: Mapping[str, Content],
        editions: Mapping[str, Mapping[str, Content]] | None = None,
    ) -> list[str]:
        """Write the named outputs together (all or nothing); return their paths.

        ``editions``: the other editions' files the notebook writes, by language and name
        (``{"es": {"tables": ...}}``), in the same transaction.
        """
        expected = layout.data_outputs(self.spec.name, self.survey)
        unknown = sorted(set(contents) - set(expected))
        if unknown:
            raise ConfigError(
                f"stage {self.spec.name!r}: expected outputs {sorted(expected)}; found {unknown}"
            )
        targets = {self.root / self.output(k): v for k, v in contents.items()}
        targets.update(self._edition_targets(editions or {}))
        written = write_outputs(targets, root=self.root)
        return [os.path.relpath(p, self.root) for p in written]

    def _edition_targets(
        self, editions: Mapping[str, Mapping[str, Content]]
    ) -> dict[Path, Content]:
        """Where the other editions' files go (refusing a language the survey does not declare)."""
        others = dict(self.editions()[1:]) if editions else {}
        targets: dict[Path, Content] = {}
        for lang, files in editions.items():
            if lang not in others:
                raise ConfigError(
                    f"stage {self.spec.name!r}: expected editions of the languages after the "
                    f"first of surveys.{self.survey}.languages ({sorted(others)}); found {lang!r}"
                )
            for name, content in files.items():
                if name not in layout.EDITION_FILES or name in layout.REPORT_FILES:
                    raise ConfigError(
                        f"stage {self.spec.name!r}: expected an edition's file the notebook "
                        f"writes ('tables'); found {name!r}"
                    )
                targets[self.root / self._where(others[lang][name])] = content
        return targets

    def overview(self) -> Overview:
        """The survey, the output mode and every parameter value it runs with, as a table."""
        rows = [("survey", self.survey), ("outputs", self.outputs)]
        rows += [(f"param {k}", repr(v)) for k, v in self.params.as_dict().items()]
        return Overview(tuple(rows))


@dataclass(frozen=True)
class Overview:
    """A two-column table that Jupyter shows as HTML (no DataFrame library needed)."""

    rows: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:
        width = max((len(k) for k, _ in self.rows), default=0)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in self.rows)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in self.rows
        )
        return f"<table><thead><tr><th>what</th><th>value</th></tr></thead>{cells}</table>"


def _with_overrides(params: Params, survey: str, overrides: Mapping[str, Any]) -> Params:
    """params.yaml's values with a notebook's experimental overrides for ``survey``."""
    data = params.model_dump()
    spec = data["surveys"][survey]
    for section, values in overrides.items():
        if not isinstance(values, Mapping):
            raise ConfigError(
                f"overrides: expected a mapping of keys for section {section!r}; found {values!r}"
            )
        spec["overrides"][section] = {**spec["overrides"].get(section, {}), **values}
    return parse_params(yaml.safe_dump(data, sort_keys=False), "notebook overrides")


def open_stage(
    stage: str,
    survey: str,
    outputs: str = "scratch",
    overrides: Mapping[str, Any] | None = None,
    start: str | Path | None = None,
) -> Stage:
    """The stage ``stage`` of ``survey``, its parameters validated, writing to ``outputs``.

    ``outputs``: ``"scratch"`` (default, for Jupyter) or ``"pipeline"`` (what the
    stage runner passes). ``overrides`` like ``{"stats": {"ci_level": 0.9}}`` try a
    value without editing params.yaml, and are refused with ``"pipeline"``.
    """
    if outputs not in OUTPUT_MODES:
        raise ConfigError(f"outputs: expected one of {OUTPUT_MODES}; found {outputs!r}")
    if overrides and outputs == "pipeline":
        raise ConfigError(
            "overrides: expected none when writing the pipeline's outputs "
            "(they must equal params.yaml's); found "
            f"{dict(overrides)!r}: use outputs='scratch'"
        )
    root = project_root(start)
    params = load_params(root)
    spec = stage_spec(root, stage, survey, params)
    if overrides:
        params = _with_overrides(params, survey, overrides)
    return Stage(spec=spec, params=StageParams(spec, params), root=root, outputs=outputs)
