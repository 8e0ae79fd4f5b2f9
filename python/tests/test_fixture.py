"""The framelab fixture against a server a test started: a tutorial-style
server's bug found, the correct server's absence of it."""

import pytest

from conftest import REPO

LINES = REPO / "examples" / "scenarios" / "server-line-naive-coalesced.toml"


def test_a_tutorial_server_merges_two_lines_in_one_read(framelab, server_of):
    addr = server_of("line_server_naive.py")
    result = framelab.run(LINES, target=addr)
    assert result.verdict == "coalesced", result.report
    assert result.ok
    assert result.check() is result
    assert result.replay.endswith(f"--target {addr}")


def test_the_correct_server_keeps_them_apart_and_the_check_says_so(framelab, server_of):
    addr = server_of("line_server.py")
    result = framelab.run(LINES, target=addr, seed=3)
    assert result.verdict == "intact", result.report
    assert not result.ok
    with pytest.raises(AssertionError, match=r"replay:   framelab run .*server-line-naive-coalesced.toml --seed 3"):
        result.check()


def test_a_target_off_loopback_is_refused(framelab):
    import framelab as fl

    with pytest.raises(fl.FramelabError, match="not a loopback address"):
        framelab.run(LINES, target="192.0.2.1:9")
