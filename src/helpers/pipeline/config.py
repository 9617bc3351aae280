"""Read params.yaml (validated) and the stages of dvc.yaml, resolved for one survey.

Every stage in dvc.yaml is a ``foreach`` over ``surveys`` (``stage@survey`` in
DVC's names). The runner and the notebooks read a stage's notebook, outputs and
parameter keys from here, so dvc.yaml stays the one place they are declared;
``tests/test_config.py`` checks the resolution against DVC's own.

Command line: ``python -m helpers.pipeline.config`` validates params.yaml and exits 1 with
the error; ``--table`` also regenerates docs/parameters.md (``helpers.pipeline.params_doc``).
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from helpers.core.params import SECTIONS, Params, SurveySpec
from helpers.core.yaml_lines import yaml_line
from helpers.core.yaml_strict import YamlError, decode_utf8, load_yaml
from helpers.pipeline.params_doc import write_parameters_page

MARKER = "dvc.yaml"
PARAMS_FILE = "params.yaml"


class ConfigError(ValueError):
    """params.yaml or dvc.yaml is not what the pipeline expects (file:line: expected; found)."""


def project_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding dvc.yaml."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise FileNotFoundError(f"no {MARKER} in {here} or any folder above it")


def _expected(error: dict[str, Any], fields: list[str]) -> str:
    """What pydantic's error says was allowed, as 'expected ...'."""
    if error["type"] == "extra_forbidden":
        near = difflib.get_close_matches(str(error["loc"][-1]), fields, n=1)
        hint = f" (nearest: {near[0]!r})" if near else ""
        return f"one of the keys {fields}{hint}"
    if error["type"] == "missing" and error["loc"][-1] == "overrides":
        return (
            "this key (`overrides: {}` for none: dvc.yaml tracks each survey's overrides, "
            "so params.yaml must hold them; there are no hidden defaults)"
        )
    if error["type"] == "missing":
        return "this key (params.yaml holds every value; there are no hidden defaults)"
    message = re.sub(r"^(Input should be |Value error, )", "", error["msg"])
    return message


def _fields_at(loc: tuple[str | int, ...]) -> list[str]:
    """The valid keys of the mapping that holds ``loc[-1]``."""
    model: Any = Params
    for key in loc[:-1]:
        if model is Params and key == "surveys":
            model = "surveys"
        elif model == "surveys":
            model = SurveySpec
        elif model is SurveySpec and key == "overrides":
            model = "overrides"
        elif model == "overrides":
            model = SECTIONS.get(str(key))
        elif isinstance(model, type) and key in getattr(model, "model_fields", {}):
            model = model.model_fields[str(key)].annotation
        else:
            return []
    if model == "overrides":
        return sorted(SECTIONS)
    return list(getattr(model, "model_fields", {})) if isinstance(model, type) else []


def _config_error(
    exc: ValidationError, text: str, path: str, prefix: tuple[str | int, ...] = ()
) -> ConfigError:
    # A misspelled key gives both "unknown key" and "missing key": name the unknown one
    # (with its nearest valid key) first.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc = prefix + tuple(first["loc"])
    line = yaml_line(text, loc)
    found = "nothing" if first["type"] == "missing" else repr(first.get("input"))
    if first["type"] == "extra_forbidden":
        found = f"unknown key {loc[-1]!r}"
    where = f"{path}:{line}" if line else path
    # An item of a list (a language of `languages:`) is named by its list; its line is its own.
    key = ".".join(str(k) for k in (loc[:-1] if isinstance(loc[-1], int) else loc))
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return ConfigError(
        f"{where}: {key}: expected {_expected(first, _fields_at(loc))}; found {found}{more}"
    )


def parse_params(text: str, path: str = PARAMS_FILE) -> Params:
    """Validate params.yaml's text; every survey's overrides are checked too.

    The YAML is read strictly (``helpers.core.yaml_strict``): a key written twice
    (two surveys with one id, say), an alias or an explicit tag is refused at its
    line before any value is built, as DVC, which reads this file too, would.
    """
    try:
        data = load_yaml(text, path)
    except YamlError as exc:
        raise ConfigError(str(exc)) from None
    try:
        params = Params.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, text, path) from None
    for survey, spec in params.surveys.items():
        for section in spec.overrides:
            try:
                params.for_survey(survey)
            except ValidationError as exc:
                raise _config_error(
                    exc, text, path, ("surveys", survey, "overrides", section)
                ) from None
    return params


def load_params(root: Path) -> Params:
    """params.yaml of the project, validated."""
    path = root / PARAMS_FILE
    try:
        text = decode_utf8(path.read_bytes(), PARAMS_FILE)
    except YamlError as exc:
        raise ConfigError(str(exc)) from None
    return parse_params(text, PARAMS_FILE)


@dataclass(frozen=True)
class StageSpec:
    """One stage of dvc.yaml resolved for one survey."""

    name: str
    survey: str
    cmd: str
    deps: tuple[str, ...]
    outs: tuple[str, ...]
    params: tuple[str, ...]

    @property
    def notebook(self) -> str:
        """The stage's notebook (its one dependency under notebooks/)."""
        return _one(self.deps, "notebooks/", ".ipynb", self, "notebook dependency")

    @property
    def executed(self) -> str:
        """Where the executed notebook goes (its one .ipynb output)."""
        return _one(self.outs, "reports/", ".ipynb", self, "executed notebook output")


def _one(paths: tuple[str, ...], prefix: str, suffix: str, spec: StageSpec, what: str) -> str:
    found = [p for p in paths if p.startswith(prefix) and p.endswith(suffix)]
    if len(found) != 1:
        raise ConfigError(
            f"{MARKER}: stage {spec.name!r}: expected one {what} ({prefix}*{suffix}); found {found}"
        )
    return found[0]


_TEMPLATE = re.compile(r"\$\{\s*([^}]*?)\s*\}")


def _substitute(value: str, survey: str, item: dict[str, Any], where: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "key":
            return survey
        if name.startswith("item.") and name[5:] in item:
            return str(item[name[5:]])
        raise ConfigError(
            f"{MARKER}: {where}: expected ${{key}} or ${{item.<field>}} of a "
            f"survey ({sorted(item)}); found ${{{name}}}"
        )

    return _TEMPLATE.sub(one, value)


def _paths(entries: list[Any]) -> list[str]:
    return [next(iter(e)) if isinstance(e, dict) else str(e) for e in entries or []]


def stage_names(root: Path) -> list[str]:
    """The stages of dvc.yaml, in order."""
    return list(_stages(root))


def _stages(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / MARKER).read_text(encoding="utf-8"))["stages"]


def stage_spec(root: Path, stage: str, survey: str, params: Params | None = None) -> StageSpec:
    """The stage's entry of dvc.yaml with ``${key}`` and ``${item.*}`` filled for ``survey``."""
    stages = _stages(root)
    if stage not in stages:
        raise ConfigError(f"{MARKER}: expected a stage named {stage!r}; found {list(stages)}")
    params = params or load_params(root)
    if survey not in params.surveys:
        near = difflib.get_close_matches(survey, list(params.surveys), n=1)
        hint = f" (nearest: {near[0]!r})" if near else ""
        raise ConfigError(
            f"{PARAMS_FILE}: expected a survey of `surveys:` "
            f"{list(params.surveys)}; found {survey!r}{hint}"
        )
    entry = stages[stage]
    if "foreach" not in entry or "do" not in entry:
        raise ConfigError(
            f"{MARKER}: stage {stage!r}: expected `foreach: ${{surveys}}` "
            "and `do:`; found a stage for no survey"
        )
    body, item = entry["do"], params.surveys[survey].model_dump()
    where = f"stage {stage!r}"

    def sub(values: list[str]) -> tuple[str, ...]:
        return tuple(_substitute(v, survey, item, where) for v in values)

    keys: list[str] = []
    for p in body.get("params", []):
        keys += list(p.values())[0] if isinstance(p, dict) else [p]
    return StageSpec(
        name=stage,
        survey=survey,
        cmd=_substitute(body["cmd"], survey, item, where),
        deps=sub(_paths(body.get("deps", []))),
        outs=sub(_paths(body.get("outs", [])) + _paths(body.get("metrics", []))),
        params=sub(keys),
    )


class StageParams:
    """The parameter values one stage may read: exactly the keys it declares in dvc.yaml.

    Reading an undeclared key raises, so a stage cannot depend on a value DVC
    does not track for it. A value a survey overrides is readable only by a
    stage that also declares ``surveys.<survey>.overrides``.
    """

    def __init__(self, spec: StageSpec, params: Params) -> None:
        """Resolve the declared keys of ``spec`` in ``params``."""
        self.spec = spec
        self._values = params.for_survey(spec.survey)
        self._overridden = {
            f"{section}.{k}"
            for section, vals in params.surveys[spec.survey].overrides.items()
            for k in vals
        }
        prefix = f"surveys.{spec.survey}."
        self._declared = {k[len(prefix) :] if k.startswith(prefix) else k for k in spec.params}
        for key in self._declared:
            self._lookup(key)  # a declared key that does not exist is an error now

    def _lookup(self, key: str) -> Any:
        head, _, rest = key.partition(".")
        section = "survey" if head in SurveySpec.model_fields else head
        name = head if section == "survey" else rest
        if head == "overrides":
            return {s: v for s, v in self._values.items() if s in SECTIONS}
        values = self._values.get(section)
        if values is None or (name and name not in values):
            raise ConfigError(
                f"{MARKER}: stage {self.spec.name!r}: expected parameter keys "
                f"of {PARAMS_FILE}; found {key!r}"
            )
        return values[name] if name else values

    def _allowed(self, key: str) -> bool:
        section = key.partition(".")[0]
        return key in self._declared or section in self._declared

    def get(self, key: str) -> Any:
        """The value of a dotted key (``stats.rounding``, ``codebook`` for the survey's)."""
        if not self._allowed(key):
            raise ConfigError(
                f"{MARKER}: stage {self.spec.name!r} reads {key!r} but does not "
                f"declare it in `params:` (declared: {sorted(self._declared)})"
            )
        if key in self._overridden and "overrides" not in self._declared:
            raise ConfigError(
                f"{MARKER}: stage {self.spec.name!r} reads {key!r}, which survey "
                f"{self.spec.survey!r} overrides, without declaring "
                f"surveys.{self.spec.survey}.overrides"
            )
        return self._lookup(key)

    def section(self, name: str) -> Any:
        """A whole section as its model (e.g. ``StatsParams``); every key must be declared."""
        model = SECTIONS[name]
        return model.model_validate({k: self.get(f"{name}.{k}") for k in model.model_fields})

    def as_dict(self) -> dict[str, Any]:
        """Every declared key and its value (for display and provenance)."""
        return {key: self.get(key) for key in sorted(self._declared) if key != "overrides"}


def main(argv: list[str] | None = None) -> int:
    """Command line: validate params.yaml; ``--table`` also writes docs/parameters.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="regenerate docs/parameters.md")
    args = parser.parse_args(argv)
    try:
        root = project_root()
        params = load_params(root)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.table:
        print(f"wrote {write_parameters_page(root, params).relative_to(root)}")
    else:
        print(f"{PARAMS_FILE}: valid ({len(params.surveys)} surveys: {', '.join(params.surveys)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
