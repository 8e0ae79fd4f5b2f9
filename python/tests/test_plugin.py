"""pytest collects scenario files as tests, and reports a failure with
framelab's failure text."""

from conftest import REPO, run_pytest

B01 = "scenarios/b01-naive-coalesced.toml"
B04 = "scenarios/b04-length-prefix-header-split-intact.toml"


def test_scenario_files_are_collected_and_pass():
    r = run_pytest(B01, B04)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout, r.stdout


def test_a_wrong_expectation_fails_with_the_replay_command(tmp_path):
    text = (REPO / B01).read_text()
    assert 'verdict = "coalesced"' in text
    wrong = tmp_path / "b01-wrong.toml"
    wrong.write_text(text.replace('verdict = "coalesced"', 'verdict = "intact"'))
    r = run_pytest(str(wrong), "--framelab-seed", "11")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed" in r.stdout, r.stdout
    assert "verdict:  coalesced (expected intact)" in r.stdout, r.stdout
    assert f"replay:   framelab run {wrong} --seed 11" in r.stdout, r.stdout


def test_a_file_framelab_refuses_fails_alone_with_its_location(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[client]\nmessages = 3\n[expect]\nverdict = "intact"\n')
    good = tmp_path / "good.toml"
    good.write_text((REPO / B04).read_text())
    r = run_pytest(str(bad), str(good))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 1 passed" in r.stdout, r.stdout
    assert "bad.toml:" in r.stdout, r.stdout


def test_toml_files_without_an_expectation_are_not_tests(tmp_path):
    (tmp_path / "other.toml").write_text("[tool]\nx = 1\n")
    r = run_pytest(str(tmp_path))
    assert r.returncode == 5, r.stdout + r.stderr  # no tests collected
    assert "no tests ran" in r.stdout, r.stdout


def test_the_html_option_writes_framelabs_report(tmp_path):
    html = tmp_path / "report.html"
    r = run_pytest(B01, B04, "--framelab-html", str(html))
    assert r.returncode == 0, r.stdout + r.stderr
    text = html.read_text()
    assert "B1 naive server merges back-to-back writes" in text
    assert "<html" in text.lower()


def test_the_target_option_points_collected_files_at_a_server(server_of):
    addr = server_of("line_server_naive.py")
    lines = "examples/scenarios/server-line-naive-coalesced.toml"
    r = run_pytest(lines, "--framelab-target", addr, "-rA")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout, r.stdout
    # Against the correct server, the file's expectation (coalesced) fails.
    good = server_of("line_server.py")
    r = run_pytest(lines, "--framelab-target", good)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"--target {good}" in r.stdout, r.stdout
