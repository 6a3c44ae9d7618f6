"""OpenAIEmbedder against a small OpenAI-compatible /v1/embeddings server on loopback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np
import pytest

from vectorstore.embedders.openai_api import OpenAIEmbedder

DIM = 7


class _Embeddings(BaseHTTPRequestHandler):
    calls: ClassVar[list[list[str]]] = []

    def do_POST(self):  # the http.server API names it so
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        type(self).calls.append(texts)
        data = [{"object": "embedding", "index": i,
                 "embedding": [float(len(t) + k) for k in range(DIM)]} for i, t in enumerate(texts)]
        out = json.dumps({"object": "list", "data": data, "model": body["model"],
                          "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Embeddings.calls = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Embeddings)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_an_unknown_model_learns_its_dimension_before_anything_is_stored(server):
    emb = OpenAIEmbedder("some-local-model", base_url=server)
    assert _Embeddings.calls == []          # building it sends nothing
    assert emb.dim == DIM                   # the collection info is written with this
    assert len(_Embeddings.calls) == 1      # one probe ...
    assert emb.dim == DIM and len(_Embeddings.calls) == 1   # ... only once
    vectors = emb.embed(["a", "bb", "ccc"])
    assert vectors.shape == (3, DIM) and np.allclose(np.linalg.norm(vectors, axis=1), 1)


def test_a_known_model_needs_no_probe(server):
    emb = OpenAIEmbedder("text-embedding-3-small", base_url=server)
    assert emb.dim == 1536 and _Embeddings.calls == []
