"""The framelab pytest plugin, registered by the ``pytest11`` entry point.

- Scenario files (``*.toml`` with an ``[expect]`` table) are collected as
  tests, one item per file. The items of a session run in one framelab
  run (at once, as framelab runs a suite), and each reports its own
  verdict; a failure shows framelab's failure text with the replay
  command.
- Options: ``--framelab-target HOST:PORT`` points every collected file at
  your server, ``--framelab-seed N`` replays, ``--framelab-html FILE``
  writes framelab's HTML report of the collected files, ``--framelab-bin``
  names the framelab command.
- The ``framelab`` fixture runs a scenario file from a Python test:
  ``framelab.run("scenarios/x.toml", target=addr)`` gives the verdict and
  detail (:class:`framelab.Result`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

import framelab as _framelab

_EXPECT = re.compile(r"^\s*\[\s*expect\s*\]\s*(#.*)?$", re.MULTILINE)


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("framelab", "framelab scenario files")
    group.addoption(
        "--framelab-target",
        metavar="HOST:PORT",
        default=None,
        help="point every collected scenario file at this server (loopback only) instead of its own",
    )
    group.addoption("--framelab-seed", metavar="N", type=int, default=None, help="one seed for every scenario (replays)")
    group.addoption(
        "--framelab-html", metavar="FILE", default=None, help="also write framelab's HTML report of the scenario files"
    )
    group.addoption(
        "--framelab-bin",
        metavar="PATH",
        default=None,
        help="the framelab command (default: $FRAMELAB_BIN, the one installed beside this package, else PATH)",
    )


def is_scenario_file(path: Path) -> bool:
    """A ``*.toml`` file with an ``[expect]`` table."""
    if path.suffix != ".toml":
        return False
    try:
        return _EXPECT.search(path.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return False


def pytest_collect_file(parent: Any, file_path: Path) -> Optional["ScenarioFile"]:
    if is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):  # type: ignore[override]
        yield ScenarioItem.from_parent(self, name=self.path.name)


class ScenarioFailure(Exception):
    """A scenario's verdict was not the one expected, or it could not run."""


class _Batch:
    """One framelab run for every scenario item of the session."""

    def __init__(self) -> None:
        self.results: Optional[Dict[str, Any]] = None

    def result_for(self, item: "ScenarioItem") -> Any:
        if self.results is None:
            self.results = self._run(item)
        return self.results.get(str(item.path.resolve()))

    def _run(self, item: "ScenarioItem") -> Dict[str, Any]:
        config = item.config
        items = [i for i in item.session.items if isinstance(i, ScenarioItem)] or [item]
        paths = [str(i.path.resolve()) for i in items]
        opts = dict(
            target=config.getoption("framelab_target"),
            seed=config.getoption("framelab_seed"),
            framelab=config.getoption("framelab_bin"),
        )
        try:
            results = _framelab.run_many(paths, html=config.getoption("framelab_html"), **opts)
            return {str(Path(r.file).resolve()): r for r in results}
        except _framelab.FramelabError:
            # One file framelab refuses (a parse error) stops the whole run:
            # run each alone, so each item says its own error.
            out: Dict[str, Any] = {}
            for p in paths:
                try:
                    out[p] = _framelab.run(p, **opts)
                except _framelab.FramelabError as e:
                    out[p] = e
            return out


_BATCH = pytest.StashKey[_Batch]()


def pytest_configure(config: Any) -> None:
    config.stash[_BATCH] = _Batch()


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        r = self.config.stash[_BATCH].result_for(self)
        if r is None:
            raise ScenarioFailure(f"framelab gave no result for {self.path}")
        if isinstance(r, Exception):
            raise ScenarioFailure(str(r))
        self.user_properties.append(("verdict", r.verdict))
        self.user_properties.append(("seed", r.seed))
        if r.skipped is not None:
            pytest.skip(f"{r.name}: {r.skipped}")
        if not r.ok:
            raise ScenarioFailure(r.report)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):  # type: ignore[override]
        return self.path, None, f"framelab: {self.path.name}"


class Framelab:
    """The ``framelab`` fixture: runs scenario files with the session's
    framelab command and seed."""

    def __init__(self, binary: Optional[str], seed: Optional[int]) -> None:
        self._binary = binary
        self._seed = seed

    def run(self, path: Any, target: Any = None, seed: Optional[int] = None, timeout: Optional[float] = None):
        """One scenario file's :class:`framelab.Result` (``verdict``,
        ``expected``, ``ok``, ``detail``, ``seed``, ``replay``, ``report``)."""
        return _framelab.run(
            path, target=target, seed=self._seed if seed is None else seed, timeout=timeout, framelab=self._binary
        )

    def run_many(self, paths: List[Any], target: Any = None, seed: Optional[int] = None) -> List[Any]:
        """Several files in one framelab run, each's result in file order."""
        return _framelab.run_many(paths, target=target, seed=self._seed if seed is None else seed, framelab=self._binary)


@pytest.fixture
def framelab(pytestconfig: Any) -> Framelab:
    """Runs scenario files: ``framelab.run("scenarios/x.toml", target=addr)``."""
    return Framelab(pytestconfig.getoption("framelab_bin"), pytestconfig.getoption("framelab_seed"))
