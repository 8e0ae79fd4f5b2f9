"""The README's Python example, run as written."""

import re

from conftest import REPO, run_pytest


def test_the_readme_python_example_passes(tmp_path):
    readme = (REPO / "README.md").read_text()
    section = readme.split("## From your own tests", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "one Python example in the README's section"
    test = tmp_path / "test_readme_example.py"
    test.write_text(blocks[0])
    r = run_pytest(str(test))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout, r.stdout
