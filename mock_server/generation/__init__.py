"""The mock's deterministic model: what it says and how that becomes native records.

text (words, tokens), structured (values for a JSON Schema), tools (tool choice, arguments,
answers after results), responder (the default Responder), request (Ollama's request checks),
pipeline (steps generate and chat share), render (Reply -> native records), metrics,
logprobs, embedding (vectors), template (the prompt `_debug_render_only` shows).
"""
