"""Replace a stage's outputs all-or-nothing, even when the process is killed at any instant.

A stage's outputs change as one transaction, whose state lives in ``<root>/.staging/``
under the transaction's name (``clean@anes96``, ``index``):

1. ``<name>.manifest``, held with an exclusive ``flock`` while the run lives, lists
   every temporary file *before* the file is created. Temporaries sit beside their
   targets (``.<file>.<random>.tmp``), so that a read-only folder or a full disk
   fails before anything is replaced, and each rename stays within one folder.
2. Commit: each temporary is flushed to disk; then ``<name>.journal`` (the renames
   to make) is written and renamed into place: that rename is the commit point; then
   the renames are made, and the journal and the manifest are deleted.
3. Recovery, at the start of every stage run, of the index and of a notebook's
   scratch writes: for each manifest no live run holds, a journal's renames are
   finished (roll forward), then the transaction's remaining temporaries and its
   files in ``.staging`` are deleted (roll back what was not committed).

So a kill before the journal exists leaves every output old, a kill after it leaves
every output new once recovered, and nothing of the run is left behind.

Under the stage runner the notebook's kernel writes its outputs into the runner's
transaction (``HELPERS_DEFERRED_OUTPUTS`` names the manifest); the runner adds the
executed notebook and the reports and commits them all together.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import json
import os
import re
import secrets
import shutil
import signal
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Union

from helpers.core.sinks import polars_csv_sink
from helpers.core.tables import csv_text, polars_csv_bytes

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

# Text, bytes, a table written as CSV (a polars LazyFrame streamed to the file), or a
# writer given the file's path (e.g. a Parquet hand-off written as it is produced).
Sink = Callable[[Path], None]
Content = Union[str, bytes, "pd.DataFrame", "pl.DataFrame", "pl.LazyFrame", Sink]

STAGING_DIR = ".staging"  # under the project root (ignored by git)
# Set by the stage runner: the manifest of its transaction, which the kernel writes into.
DEFER_ENV = "HELPERS_DEFERRED_OUTPUTS"
# Fault injection for tests (inert unless set): kill the run at the n-th crash point.
KILL_AT_ENV, KILL_COUNTER_ENV, KILL_GROUP_ENV = (
    "HELPERS_KILL_AT",
    "HELPERS_KILL_COUNTER",
    "HELPERS_KILL_PGID",
)


class OutputError(RuntimeError):
    """An output could not be written; no output of the stage was replaced."""


class BusyError(RuntimeError):
    """Another live run holds the transaction."""


def _sink(content: Content) -> Sink | None:
    """How to stream ``content`` to a file (a LazyFrame, a writer), or None: it is bytes."""
    if type(content).__name__ == "LazyFrame" and type(content).__module__.startswith("polars"):
        return lambda path: polars_csv_sink(content, path)  # type: ignore[arg-type]
    if callable(content) and not isinstance(content, (str, bytes)):
        return content  # type: ignore[return-value]
    return None


def _bytes(content: Content) -> bytes:
    if isinstance(content, str):
        return content.encode("utf-8")
    if isinstance(content, bytes):
        return content
    engine = type(content).__module__.partition(".")[0]
    if engine == "polars":
        return polars_csv_bytes(content)
    if engine == "pandas":
        return csv_text(content).encode("utf-8")
    raise TypeError(f"an output must be text, bytes or a DataFrame; found {type(content)}")


def crash_point(label: str) -> None:
    """Kill the whole run here if this is the crash point a test asked for (else nothing).

    ``HELPERS_KILL_AT=n`` and ``HELPERS_KILL_COUNTER=<file>``: the n-th call, counted
    across the runner and its kernel, records its label in ``<file>.label``, kills the
    runner's process group (``HELPERS_KILL_PGID``) with SIGKILL, then this process.
    """
    at = os.environ.get(KILL_AT_ENV)
    if not at:
        return
    counter = os.environ[KILL_COUNTER_ENV]
    with open(counter, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        n = int(fh.read() or 0) + 1
        fh.seek(0)
        fh.truncate()
        fh.write(str(n))
        fh.flush()
    if n == int(at):
        Path(f"{counter}.label").write_text(label, encoding="utf-8")
        group = os.environ.get(KILL_GROUP_ENV)
        if group:
            os.killpg(int(group), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)


def _hint(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free disk space and rerun"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "make the folder writable and rerun"
    return "fix the cause and rerun"


def _output_error(path: Path, exc: OSError, what: str = "this output") -> OutputError:
    return OutputError(
        f"{path}: expected to write {what}; found {exc.strerror} "
        f"(errno {exc.errno}): no output of the stage was replaced, the "
        f"previous ones are untouched; {_hint(exc)}"
    )


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes | Sink, label: str) -> None:
    """Create ``path`` (it must not exist) with the usual permissions and write ``data``.

    ``data`` is bytes, or a writer that streams the content to the (created) path.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as fh:
        crash_point(f"created {label}")
        if isinstance(data, bytes):
            fh.write(data)
    if not isinstance(data, bytes):
        try:
            data(path)
        except Exception as exc:  # an engine's error: the OSError it stands for, if any
            found = _ERRNO.search(str(exc))
            if found is None or (isinstance(exc, OSError) and exc.errno):
                raise
            code = int(found.group(1))
            raise OSError(code, os.strerror(code), str(path)) from exc
    crash_point(f"wrote {label}")


# How polars ("os error 28") and Python ("[Errno 28]") name a system error in a message.
_ERRNO = re.compile(r"(?:os error|\[Errno) (\d+)")


def _temporary(target: Path) -> Path:
    return target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"


def _append(manifest: Path, tmp: Path, target: Path) -> None:
    """Record a temporary file (and its target) in the manifest, durably, before creating it."""
    with open(manifest, "a", encoding="utf-8") as fh:
        fh.write(json.dumps([str(tmp), str(target)]) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    crash_point(f"recorded {target.name}")


def read_manifest(manifest: Path) -> list[tuple[Path, Path]]:
    """The (temporary file, target) pairs recorded, in order (a cut last line is ignored)."""
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    pairs = []
    for line in lines:
        try:
            tmp, target = json.loads(line)
        except ValueError:  # the run was killed while writing this line: no file was made
            continue
        pairs.append((Path(tmp), Path(target)))
    return pairs


def stage_outputs(manifest: Path, outputs: Mapping[str | Path, Content]) -> list[Path]:
    """Write every output to a temporary file recorded in ``manifest``; replace nothing.

    On failure the temporaries made here are removed and :class:`OutputError` names
    the output, the cause and what to do.
    """
    return [target for _, target in _stage(manifest, outputs)]


def _stage(manifest: Path | None, outputs: Mapping[str | Path, Content]) -> list[tuple[Path, Path]]:
    """Write each output beside its target; return the (temporary, target) pairs.

    Each temporary is recorded in ``manifest`` (if any) before it is created; on
    failure those made are removed.
    """
    made: list[tuple[Path, Path]] = []
    try:
        for target, content in outputs.items():
            path = Path(os.path.abspath(target))
            data = _sink(content) or _bytes(content)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = _temporary(path)
                if manifest is not None:
                    _append(manifest, tmp, path)
                made.append((tmp, path))
                _write_new(tmp, data, path.name)
            except OSError as exc:
                raise _output_error(path, exc) from exc
    except BaseException:
        for tmp, _ in made:
            _remove(tmp)
        raise
    return made


def _lock(path: Path, create: bool) -> int | None:
    """An exclusive flock on ``path``'s file, or None if a live run holds it (or it is gone)."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o666)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:  # the file may have been settled and deleted before the lock was ours
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
        if not create:
            return None


def _remove(path: Path) -> bool:
    """Delete ``path`` if it exists; False if it exists and cannot be deleted."""
    try:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    except FileNotFoundError:
        pass
    except OSError:  # a read-only folder answers EROFS even for a file that is not there
        return not os.path.lexists(path)
    return True


def _settle(staging: Path, name: str) -> bool:
    """Finish or undo the transaction ``name`` (its manifest is locked by the caller).

    False if a file could not be deleted (then the manifest stays, for the next recovery).
    """
    manifest, journal = staging / f"{name}.manifest", staging / f"{name}.journal"
    for tmp, target in read_manifest(journal):  # committed: finish the renames
        if tmp.exists():
            os.replace(tmp, target)
            crash_point(f"recovered {target.name}")
    removed = [_remove(tmp) for tmp, _ in read_manifest(manifest)]  # not committed: delete
    removed.append(_remove(journal))
    removed += [
        _remove(leftover)
        for leftover in staging.glob(f"{glob.escape(name)}.*")
        if leftover != manifest
    ]
    return all(removed)


def recover(root: Path) -> list[str]:
    """Settle every transaction a killed run left in ``<root>/.staging``; return their names."""
    staging = Path(root) / STAGING_DIR
    settled = []
    for manifest in sorted(staging.glob("*.manifest")):
        fd = _lock(manifest, create=False)
        if fd is None:  # a live run
            continue
        try:
            name = manifest.name.removesuffix(".manifest")
            if _settle(staging, name):
                manifest.unlink()
                settled.append(name)
        finally:
            os.close(fd)
    return settled


class Transaction:
    """One run's outputs, replaced together by :meth:`commit` or not at all."""

    def __init__(self, root: Path, name: str) -> None:
        self.staging = Path(root) / STAGING_DIR
        self.name = name
        self.manifest = self.staging / f"{name}.manifest"
        self.journal = self.staging / f"{name}.journal"
        self._fd: int | None = None
        self._pruned: list[Path] = []

    def __enter__(self) -> Transaction:
        try:
            self.staging.mkdir(exist_ok=True)
            recover(self.staging.parent)
            self._fd = _lock(self.manifest, create=True)
        except OSError as exc:
            raise _output_error(self.staging, exc, "the run's staging files here") from exc
        if self._fd is None:
            raise BusyError(
                f"{self.manifest}: expected no other run of {self.name}; found one "
                "still running (it holds this file): wait for it to end, then "
                "rerun"
            )
        _settle(self.staging, self.name)  # left by a killed run after recover() looked
        os.truncate(self.manifest, 0)
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if self._fd is not None:  # not committed: undo, never masking the error that stopped it
            try:
                done = _settle(self.staging, self.name)
            except OSError:
                done = False
            self._close(keep_manifest=not done)  # kept: the next run's recovery finishes it

    def scratch(self, suffix: str) -> Path:
        """A path in ``.staging`` for this run's own temporary files (deleted with it)."""
        return self.staging / f"{self.name}.{suffix}"

    def stage(self, outputs: Mapping[str | Path, Content]) -> list[Path]:
        """Write outputs to temporary files of this transaction (see :func:`stage_outputs`)."""
        return stage_outputs(self.manifest, outputs)

    def prune(self, folder: Path) -> None:
        """At commit, remove each file of ``folder`` this run has not written.

        A folder output (a survey's other editions) then holds exactly this run's files:
        an edition of a language removed from params.yaml goes with the commit. Each
        such file is moved into ``.staging`` by the journal's renames (so a killed run
        is finished by recovery like the rest) and deleted with the run's scratch.
        """
        self._pruned.append(Path(os.path.abspath(folder)))

    def _stale(self, written: Mapping[Path, Path]) -> list[tuple[Path, Path]]:
        """(stale file, its place in .staging) for each file of the pruned folders not written."""
        stale = [
            path
            for folder in self._pruned
            if folder.is_dir()
            for path in sorted(folder.iterdir())
            if path.is_file() and not path.name.startswith(".") and path not in written
        ]
        return [(path, self.scratch(f"removed.{i}")) for i, path in enumerate(stale)]

    def commit(self) -> list[Path]:
        """Replace every staged output's target; return the targets in order.

        Files of a pruned folder (:meth:`prune`) that no output replaces are removed.
        """
        last: dict[Path, Path] = {}
        for tmp, target in read_manifest(self.manifest):
            if target in last:  # written twice: the later one counts
                last[target].unlink(missing_ok=True)
            last[target] = tmp
        removed = self._stale(last)
        renames = [(tmp, target) for target, tmp in last.items()] + removed
        try:
            for tmp, _ in renames:
                _fsync(tmp)
            pending = self.scratch("journal.tmp")
            lines = "".join(json.dumps([str(t), str(p)]) + "\n" for t, p in renames)
            _write_new(pending, lines.encode("utf-8"), "the journal")
            _fsync(pending)
            os.replace(pending, self.journal)
            _fsync(self.staging, directory=True)
        except OSError as exc:
            raise _output_error(self.journal, exc, "the run's journal") from exc
        crash_point("committed the journal")
        for tmp, target in renames:  # committed: from here recovery finishes the renames
            os.replace(tmp, target)
            crash_point(f"renamed {target.name}")
        pruned = {folder for folder in self._pruned if folder.is_dir()}
        for folder in sorted({target.parent for _, target in renames} | pruned):
            _fsync(folder, directory=True)
        self.journal.unlink()
        crash_point("removed the journal")
        for leftover in self.staging.glob(f"{glob.escape(self.name)}.*"):  # the run's scratch
            if leftover != self.manifest:
                _remove(leftover)
        self._close()
        return [target for target in last]

    def _close(self, keep_manifest: bool = False) -> None:
        assert self._fd is not None
        if not keep_manifest:
            self.manifest.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def write_outputs(outputs: Mapping[str | Path, Content], root: Path | None = None) -> list[Path]:
    """Write every output all-or-nothing; return the targets.

    Under the stage runner (``HELPERS_DEFERRED_OUTPUTS`` names its manifest) the
    outputs join the runner's transaction, which replaces them together with the
    executed notebook and the reports. Otherwise, with the project ``root``, they
    are one transaction of their own in ``<root>/.staging`` (crash-atomic); without
    a root (a library call), temporaries beside the targets are renamed in turn once
    all are written (atomic per file, all-or-nothing unless the process is killed).
    """
    manifest = os.environ.get(DEFER_ENV)
    if manifest:
        return stage_outputs(Path(manifest), outputs)
    if root is not None:
        name = "write-" + secrets.token_hex(4)
        with Transaction(root, name) as tx:
            tx.stage(outputs)
            return tx.commit()
    staged = _stage(None, outputs)
    for tmp, path in staged:
        os.replace(tmp, path)
    return [path for _, path in staged]
