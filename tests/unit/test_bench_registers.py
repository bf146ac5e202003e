"""The bench's cache of demo registers: reused only while the generator is unchanged, and a rebuild of one
size never deletes another size's register (a million-firm copy takes a quarter of an hour to make)."""

from pathlib import Path

import pytest

from bench import registers
from bench.run import Backend


@pytest.fixture
def generator(tmp_path, monkeypatch) -> Path:
    source = tmp_path / "workflows" / "demo"
    source.mkdir(parents=True)
    (source / "firms.py").write_text("NAMES = ['杭州']\n", encoding="utf-8")
    monkeypatch.setattr(registers, "ROOT", tmp_path)
    return source


def test_the_key_follows_the_generator_source(generator):
    before = registers.demo_key()
    assert registers.demo_key() == before
    (generator / "firms.py").write_text("NAMES = ['杭州', '西湖']\n", encoding="utf-8")
    assert registers.demo_key() != before
    assert registers.demo_label(1000).startswith("reads_1000_")


def test_a_rebuild_drops_only_its_own_size(tmp_path):
    names = ["reads_1000.db", "reads_1000.db-wal", "reads_1000_0badc0de.db", "reads_1000_1234abcd.db",
             "reads_1000_1234abcd.db-shm", "reads_100000.db", "reads_100000_0badc0de.db", "reads_10000_1234abcd.db"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    registers.drop_stale(Backend("sqlite", tmp_path, None), 1000, keep="reads_1000_1234abcd")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "reads_100000.db", "reads_100000_0badc0de.db", "reads_10000_1234abcd.db", "reads_1000_1234abcd.db",
        "reads_1000_1234abcd.db-shm"]
