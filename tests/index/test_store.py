"""Opening a store while commits replace its table of contents.

Whoosh lists the tables of contents and then reads the newest; a commit
(an ingest's background thread, or another process) deletes the one it
replaced in between. That must never read as "no index": under load it
made an ingest stop with ``no index in store-…``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from search.index import IndexRoot

#: Commits in another process (threads of one process hardly interleave
#: between Whoosh's listing and its read: the GIL).
COMMITTER = textwrap.dedent(
    """
    import sys
    from search.index import IndexRoot
    from search.index.commit import commit_segments

    store = IndexRoot(sys.argv[1]).open()
    print("ready", flush=True)
    for _ in range(int(sys.argv[2])):  # each one writes the next generation and deletes the last
        commit_segments(store, [], [("doc", "no-such-document")])
    """
)


def test_opening_while_commits_replace_the_table_of_contents(corpus, tmp_path):
    store = IndexRoot(tmp_path / "ix").open()
    start = store.generation()
    commits = 300
    proc = subprocess.Popen([sys.executable, "-c", COMMITTER, str(tmp_path / "ix"), str(commits)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        opened = 0
        while proc.poll() is None:
            assert store.whoosh.latest_generation() >= start
            opened += 1
    finally:
        proc.wait(timeout=120)
        proc.stdout.close()
    assert proc.returncode == 0
    assert store.generation() == start + commits
    assert opened > commits
