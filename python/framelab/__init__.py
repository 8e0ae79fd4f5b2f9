"""framelab from Python: run scenario files against your server and read
their verdicts.

The ``framelab`` command installed by this package does the work; this
module starts it with ``--format json`` and reads what it says::

    import framelab
    result = framelab.run("scenarios/b01-naive-coalesced.toml", target="127.0.0.1:9000")
    assert result.ok, result.report

With pytest, the plugin (:mod:`framelab.pytest_plugin`) collects scenario
files as tests and gives a ``framelab`` fixture with this ``run``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

__all__ = ["FramelabError", "Result", "binary", "run", "run_many", "target_text"]

Target = Union[str, int, Tuple[str, int], None]


class FramelabError(Exception):
    """framelab could not run a scenario file (not found, a parse error, a
    target that does not accept connections): the text says why."""


@dataclass
class Result:
    """What one scenario gave: framelab's JSON for it, with its fields as
    attributes. ``verdict`` is a verdict (``intact``, ``coalesced``, ...),
    ``skipped`` or ``error``."""

    name: str
    file: str
    verdict: str
    expected: str
    ok: bool
    seed: int
    detail: str
    replay: str
    skipped: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Result":
        return cls(
            name=d.get("name", ""),
            file=d.get("file", ""),
            verdict=d.get("verdict", "error"),
            expected=d.get("expected", ""),
            ok=bool(d.get("ok")),
            seed=int(d.get("seed", 0)),
            detail=d.get("detail", ""),
            replay=d.get("replay", ""),
            skipped=d.get("skipped"),
            raw=d,
        )

    @property
    def report(self) -> str:
        """The failure text of framelab's report: verdict, expected, what
        happened, seed and the command that replays it."""
        lines = [
            f"--- {'PASS' if self.ok else 'FAIL'}: {self.name} ({self.file})",
            f"    verdict:  {self.verdict} (expected {self.expected})",
            f"    what:     {self.detail}",
        ]
        sent = self.raw.get("sent")
        if sent:
            lines.append(f"    sent:     {sent!r}")
        seen = self.raw.get("seen")
        if seen is not None:
            lines.append(f"    seen:     {seen!r}")
        lines.append(f"    seed:     {self.seed}")
        lines.append(f"    replay:   {self.replay}")
        return "\n".join(lines)

    def check(self) -> "Result":
        """Raises ``AssertionError`` with :attr:`report` unless the verdict
        is the one expected (a skipped scenario passes)."""
        if not self.ok and self.skipped is None:
            raise AssertionError(self.report)
        return self


def binary() -> str:
    """The framelab command: ``$FRAMELAB_BIN``, else the one this package
    installed beside the interpreter, else ``framelab`` on ``PATH``."""
    env = os.environ.get("FRAMELAB_BIN")
    if env:
        return env
    exe = "framelab.exe" if sys.platform == "win32" else "framelab"
    for scripts in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(scripts) / exe
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("framelab")
    if found:
        return found
    raise FramelabError(
        "the framelab command is not installed: `pip install framelab` (or `pip install .` in its source), "
        "`cargo install framelab`, or set FRAMELAB_BIN to its path"
    )


def target_text(target: Target) -> Optional[str]:
    """``"127.0.0.1:9000"``, ``9000`` (a port on 127.0.0.1) or
    ``("127.0.0.1", 9000)`` as framelab's ``--target``."""
    if target is None:
        return None
    if isinstance(target, int):
        return f"127.0.0.1:{target}"
    if isinstance(target, tuple):
        host, port = target
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return str(target)


def _command(
    paths: Sequence[Union[str, os.PathLike]],
    target: Target,
    seed: Optional[int],
    html: Optional[Union[str, os.PathLike]],
    extra: Iterable[str],
    framelab: Optional[str],
) -> List[str]:
    cmd = [framelab or binary(), "run", *[str(p) for p in paths], "--format", "json"]
    t = target_text(target)
    if t is not None:
        cmd += ["--target", t]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if html is not None:
        cmd += ["--html", str(html)]
    cmd += list(extra)
    return cmd


def run_many(
    paths: Sequence[Union[str, os.PathLike]],
    target: Target = None,
    seed: Optional[int] = None,
    html: Optional[Union[str, os.PathLike]] = None,
    extra: Iterable[str] = (),
    timeout: Optional[float] = None,
    framelab: Optional[str] = None,
) -> List[Result]:
    """Runs scenario files (or folders) in one framelab run, at once as
    framelab does, and gives each scenario's :class:`Result` in file order.
    Raises :class:`FramelabError` when framelab could not run them."""
    cmd = _command(paths, target, seed, html, extra, framelab)
    if timeout is None:
        # Each scenario has its own deadline inside framelab; this bounds
        # the whole run on top, generously.
        timeout = 120.0 + 60.0 * max(1, len(paths))
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise FramelabError(f"`{' '.join(cmd)}` did not finish within {timeout:.0f}s") from e
    except OSError as e:
        raise FramelabError(f"cannot start {cmd[0]}: {e}") from e
    stderr = done.stderr.decode("utf-8", "replace").strip()
    try:
        report = json.loads(done.stdout)
    except ValueError:
        raise FramelabError(
            f"`{' '.join(cmd)}` exited with status {done.returncode}: {stderr or '(nothing on stderr)'}"
        ) from None
    return [Result.from_json(s) for s in report.get("scenarios", [])]


def run(
    path: Union[str, os.PathLike],
    target: Target = None,
    seed: Optional[int] = None,
    timeout: Optional[float] = None,
    framelab: Optional[str] = None,
) -> Result:
    """Runs one scenario file and gives its :class:`Result`: ``verdict``,
    ``expected``, ``ok``, ``detail``, ``seed`` and ``replay``. ``target``
    points it at your server (loopback only) instead of its own."""
    results = run_many([path], target=target, seed=seed, timeout=timeout, framelab=framelab)
    if len(results) != 1:
        raise FramelabError(f"{path}: expected one scenario, framelab ran {len(results)}")
    return results[0]
