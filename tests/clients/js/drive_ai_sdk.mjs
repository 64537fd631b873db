// Drive an Ollama-compatible server with the Vercel AI SDK (npm `ai`), as a Node user does: through the
// maintained Ollama provider (ollama-ai-provider-v2, native /api) and @ai-sdk/openai-compatible (/v1).
// Usage: node drive_ai_sdk.mjs <base_url>
// Prints one JSON object of what was observed; exits 1 if anything threw unexpectedly.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { APICallError, embed, embedMany, generateText, stepCountIs, streamText, tool } from 'ai'
import { createOllama } from 'ollama-ai-provider-v2'
import { z } from 'zod'
import { baseUrl, getWeather, recordingFetch, runSections } from './harness.mjs'

const host = baseUrl('drive_ai_sdk.mjs')
const sent = []
const lastSent = (suffix) => sent.filter((s) => s.path.endsWith(suffix)).at(-1)?.body ?? null

const ollama = createOllama({ baseURL: `${host}/api`, fetch: recordingFetch(sent) })
const compat = createOpenAICompatible({ name: 'ollama', baseURL: `${host}/v1`, apiKey: 'ollama', includeUsage: true, fetch: recordingFetch(sent) })

const PROMPT = 'Why is the sky blue?'
const weatherTool = () =>
  tool({
    description: 'Get the current weather for a city.',
    inputSchema: z.object({ city: z.string().describe('The name of the city') }),
    execute: async (input) => getWeather(input),
  })

const usageOf = (u) => ({ inputTokens: u?.inputTokens ?? null, outputTokens: u?.outputTokens ?? null, totalTokens: u?.totalTokens ?? null })

const stepsOf = (steps) =>
  steps.map((s) => ({
    finishReason: s.finishReason,
    text: s.text,
    toolCalls: s.toolCalls.map((c) => ({ toolCallId: c.toolCallId, toolName: c.toolName, input: c.input })),
    toolResults: s.toolResults.map((r) => ({ toolCallId: r.toolCallId, output: r.output })),
  }))

// Everything streamText reports, by part type; error parts are kept (streamText does not throw them).
const drain = async (result) => {
  const types = []
  const errors = []
  for await (const part of result.fullStream) {
    if (types.at(-1) !== part.type) types.push(part.type)
    if (part.type === 'error') errors.push(String(part.error?.message ?? JSON.stringify(part.error)))
  }
  return { types, errors }
}

const rejection = async (promise) => {
  try {
    await promise
  } catch (err) {
    return {
      class: err.constructor.name,
      is_api_call_error: APICallError.isInstance(err),
      status: err.statusCode ?? null,
      message: err.message,
      retryable: err.isRetryable ?? null,
      response_body: err.responseBody ?? null,
    }
  }
  return { class: null, resolved: true }
}

const textRun = async (model) => {
  const single = await generateText({ model, prompt: PROMPT })
  const request = lastSent(model.provider.startsWith('ollama.responses') ? '/chat' : '/chat/completions')
  const streamed = streamText({ model, prompt: PROMPT, onError: () => {} })
  const parts = await drain(streamed)
  return {
    text: single.text,
    finishReason: single.finishReason,
    usage: usageOf(single.usage),
    modelId: single.response.modelId,
    request_think: request?.think ?? null,
    request_stream: request?.stream ?? null,
    stream: {
      text: await streamed.text,
      finishReason: await streamed.finishReason,
      usage: usageOf(await streamed.usage),
      ...parts,
      request_stream: lastSent(model.provider.startsWith('ollama.responses') ? '/chat' : '/chat/completions')?.stream ?? null,
    },
  }
}

const toolRun = async (model) => {
  const request = { model, prompt: 'What is the weather in Toronto?', tools: { get_weather: weatherTool() }, stopWhen: stepCountIs(3) }
  const single = await generateText(request)
  const replay = lastSent(model.provider.startsWith('ollama.responses') ? '/chat' : '/chat/completions').messages
  const streamed = streamText({ ...request, onError: () => {} })
  const parts = await drain(streamed)
  return {
    steps: stepsOf(single.steps),
    text: single.text,
    finishReason: single.finishReason,
    replayed: replay.slice(1).map((m) => ({ role: m.role, content: m.content, tool_call_id: m.tool_call_id ?? null, tool_calls: m.tool_calls ?? null })),
    stream: { steps: stepsOf(await streamed.steps), text: await streamed.text, finishReason: await streamed.finishReason, ...parts },
  }
}

const embedRun = async (model) => {
  const one = await embed({ model, value: 'first text' })
  const many = await embedMany({ model, values: ['first text', 'second text'] })
  return {
    dimensions: [one.embedding.length, ...many.embeddings.map((v) => v.length)],
    norms: [one.embedding, ...many.embeddings].map((v) => Math.hypot(...v)),
    same_first: JSON.stringify(one.embedding) === JSON.stringify(many.embeddings[0]),
    distinct: JSON.stringify(many.embeddings[0]) !== JSON.stringify(many.embeddings[1]),
    usage: [one.usage.tokens, many.usage.tokens],
  }
}

const sections = {
  async native_text() {
    return await textRun(ollama('llama3.2'))
  },

  async native_tools() {
    return await toolRun(ollama('qwen3:8b'))
  },

  async native_embed() {
    return await embedRun(ollama.embedding('nomic-embed-text'))
  },

  async native_completion() {
    // ollama.completion(): /api/generate. Its stream schema wants `context` on every record, which Ollama
    // (and the mock) sends only on the final one: the provider console.warn()s each earlier record and
    // drops it. The warnings are caught here, so that stderr stays the check of everything else.
    const model = ollama.completion('gemma3:1b')
    const single = await generateText({ model, prompt: 'Count to five' })
    const warnings = []
    const warn = console.warn
    console.warn = (...args) => warnings.push(args.map((a) => (a?.issues ? JSON.stringify(a.issues.map((i) => i.path)) : String(a))).join(' '))
    try {
      const streamed = streamText({ model, prompt: 'Count to five', onError: () => {} })
      const parts = await drain(streamed)
      return {
        text: single.text,
        finishReason: single.finishReason,
        usage: usageOf(single.usage),
        stream: {
          text: await streamed.text,
          finishReason: await streamed.finishReason,
          ...parts,
          warnings,
          request: lastSent('/generate'),
        },
      }
    } finally {
      console.warn = warn
    }
  },

  async native_errors() {
    const model = ollama('no-such-model')
    const streamed = streamText({ model, prompt: 'hello', onError: () => {} })
    return {
      unknown_model: await rejection(generateText({ model, prompt: 'hello', maxRetries: 0 })),
      unknown_model_stream: { ...(await drain(streamed)), finishReason: await streamed.finishReason.catch((e) => `threw ${e.name}`) },
      unknown_embedding_model: await rejection(embed({ model: ollama.embedding('no-such-model'), value: 'x', maxRetries: 0 })),
      no_tools: await rejection(
        generateText({ model: ollama('gemma3:1b'), prompt: 'hello', tools: { get_weather: weatherTool() }, maxRetries: 0 }),
      ),
    }
  },

  async native_midstream_error() {
    // Ollama's NDJSON after an error mid-stream: an {"error": ...} line, HTTP 200, no done record
    // (ollama-api.md §4.2); the mock's fault header asks for it. The provider's record schema rejects the
    // line, so it is console.warn()ed (caught here) and dropped.
    const warnings = []
    const warn = console.warn
    console.warn = (...args) => warnings.push(args.map((a) => (a?.issues ? JSON.stringify(a.issues.map((i) => i.path)) : String(a))).join(' '))
    try {
      const streamed = streamText({
        model: ollama('llama3.2'),
        prompt: PROMPT,
        headers: { 'X-Ollama-Mock-Fault': 'midstream_error;after=2' },
        onError: () => {},
      })
      const parts = await drain(streamed)
      return { text: await streamed.text, finishReason: await streamed.finishReason, usage: usageOf(await streamed.usage), ...parts, warnings }
    } finally {
      console.warn = warn
    }
  },

  async compat_text() {
    return await textRun(compat.chatModel('llama3.2'))
  },

  async compat_tools() {
    return await toolRun(compat.chatModel('llama3.2'))
  },

  async compat_embed() {
    const result = await embedRun(compat.embeddingModel('nomic-embed-text'))
    return { ...result, encoding_format: lastSent('/embeddings')?.encoding_format ?? null }
  },

  async compat_errors() {
    const streamed = streamText({
      model: compat.chatModel('llama3.2'),
      prompt: PROMPT,
      headers: { 'X-Ollama-Mock-Fault': 'midstream_error;after=2' },
      onError: () => {},
    })
    const parts = await drain(streamed)
    return {
      midstream_error: { text: await streamed.text, finishReason: await streamed.finishReason, usage: usageOf(await streamed.usage), ...parts },
      unknown_model: await rejection(generateText({ model: compat.chatModel('no-such-model'), prompt: 'hello', maxRetries: 0 })),
    }
  },
}

await runSections(sections, (err) => ({ status: err.statusCode ?? null }))
