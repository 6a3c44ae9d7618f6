"""LLM clients and the local runtime (llama.cpp's OpenAI-compatible server)."""
