"""The /v1 (OpenAI) and /v1/messages (Anthropic) layers of the mock, as Ollama's middlewares are.

Each `run` translates the request into a native body, calls the native handler (chat, generate,
embed) and translates its outcome back: one JSON body, or SSE frames.

    openai_chat (+ openai_chat_request, openai_chat_stream)   POST /v1/chat/completions
    openai_completions                                        POST /v1/completions
    openai_embeddings                                         POST /v1/embeddings
    openai_models                                             GET /v1/models, /v1/models/{model}
    openai_responses (+ responses_request, responses_stream)  POST /v1/responses
    anthropic_messages (+ anthropic_request, anthropic_stream) POST /v1/messages
    openai_audio                                              POST /v1/audio/transcriptions
    common, mapping, ids, sse                                 shared helpers
"""
