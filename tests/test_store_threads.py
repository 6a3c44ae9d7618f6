"""Requests of `persona serve` open the store from several threads at once."""

import threading

from vectorstore.store import ChromaStore


def test_a_store_opened_from_several_threads_at_once_opens_in_each(tmp_path):
    errors, counts = [], []
    start = threading.Barrier(6)

    def open_store():
        start.wait()
        try:
            counts.append(ChromaStore("pk-threads", path=tmp_path / "chroma").count())
        except Exception as exc:  # noqa: BLE001 - the test reports whatever failed
            errors.append(repr(exc))

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert counts == [0] * 6
