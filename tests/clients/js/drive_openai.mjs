// Drive an Ollama-compatible server's /v1 with the official OpenAI Node SDK (npm `openai`), as a Node user does.
// Usage: node drive_openai.mjs <base_url>   (the SDK gets <base_url>/v1 and api key "ollama")
// Prints one JSON object of what was observed; exits 1 if anything threw unexpectedly.
import OpenAI from 'openai'
import { zodResponseFormat } from 'openai/helpers/zod'
import { z } from 'zod'
import { WEATHER_TOOL, baseUrl, collect, getWeather, recordingFetch, runSections } from './harness.mjs'

const host = baseUrl('drive_openai.mjs')
const sent = []
// Default retries (2): the 4xx asked for below are not retried, and nothing here should get a 5xx.
const client = new OpenAI({ baseURL: `${host}/v1`, apiKey: 'ollama', timeout: 20_000, fetch: recordingFetch(sent) })

const user = (content) => [{ role: 'user', content }]

const rejection = async (promise) => {
  try {
    const value = await promise
    if (value && typeof value[Symbol.asyncIterator] === 'function') await collect(value)
  } catch (err) {
    return {
      class: err.constructor.name,
      is_api_error: err instanceof OpenAI.APIError,
      status: err.status ?? null,
      message: err.message,
      error: err.error ?? null,
      type: err.type ?? null,
    }
  }
  return { class: null, resolved: true }
}

const callsOf = (toolCalls) =>
  (toolCalls ?? []).map((c) => ({ id: c.id, index: c.index ?? null, type: c.type, name: c.function.name, arguments: c.function.arguments }))

// The tool-calling loop: run each call, send the assistant turn and one tool message per call back.
const answerCalls = (messages, assistant) => {
  messages.push(assistant)
  const results = []
  for (const call of assistant.tool_calls ?? []) {
    const result = getWeather(JSON.parse(call.function.arguments))
    results.push(result)
    messages.push({ role: 'tool', tool_call_id: call.id, content: result })
  }
  return results
}

const norm = (v) => Math.hypot(...v)

const sections = {
  async chat() {
    const request = { model: 'llama3.2', messages: user('Why is the sky blue?'), seed: 7 }
    const single = await client.chat.completions.create(request)
    const chunks = await collect(await client.chat.completions.create({ ...request, stream: true }))
    const choice = single.choices[0]
    return {
      id: single.id,
      object: single.object,
      created_type: typeof single.created,
      model: single.model,
      system_fingerprint: single.system_fingerprint,
      role: choice.message.role,
      content: choice.message.content,
      finish_reason: choice.finish_reason,
      usage: single.usage,
      stream: {
        chunks: chunks.length,
        ids: [...new Set(chunks.map((c) => c.id))],
        objects: [...new Set(chunks.map((c) => c.object))],
        roles: chunks.map((c) => c.choices[0]?.delta.role ?? null).filter(Boolean),
        content: chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
        finish_reasons: chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean),
        usage_keys: chunks.filter((c) => 'usage' in c).length,
      },
    }
  },

  async stream_usage() {
    const chunks = await collect(
      await client.chat.completions.create({
        model: 'llama3.2',
        messages: user('Tell me a story'),
        stream: true,
        stream_options: { include_usage: true },
      }),
    )
    const last = chunks.at(-1)
    return {
      content: chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
      with_usage: chunks.flatMap((c, i) => (c.usage ? [i] : [])),
      last_choices: last.choices,
      last_usage: last.usage ?? null,
      finish_reasons: chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean),
    }
  },

  async tools() {
    const messages = user('What is the weather in Toronto?')
    const first = await client.chat.completions.create({ model: 'llama3.2', messages, tools: [WEATHER_TOOL] })
    const results = answerCalls(messages, first.choices[0].message)
    const final = await client.chat.completions.create({ model: 'llama3.2', messages, tools: [WEATHER_TOOL] })
    return {
      first_finish_reason: first.choices[0].finish_reason,
      first_content: first.choices[0].message.content,
      calls: callsOf(first.choices[0].message.tool_calls),
      tool_results: results,
      final_finish_reason: final.choices[0].finish_reason,
      final_content: final.choices[0].message.content,
      final_tool_calls: final.choices[0].message.tool_calls ?? null,
    }
  },

  async tools_stream() {
    // The raw chunks: each call's pieces are joined by `index`, as the SDK's docs show.
    const messages = user('What is the weather in Toronto?')
    const chunks = await collect(
      await client.chat.completions.create({ model: 'qwen3:8b', messages, tools: [WEATHER_TOOL], stream: true }),
    )
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
    const joined = {}
    for (const d of deltas) {
      const entry = (joined[d.index] ??= { id: '', name: '', arguments: '' })
      entry.id += d.id ?? ''
      entry.name += d.function?.name ?? ''
      entry.arguments += d.function?.arguments ?? ''
    }
    // The SDK's own accumulator (chat.completions.stream), then the loop's second turn, streamed too.
    const runner = client.chat.completions.stream({ model: 'qwen3:8b', messages, tools: [WEATHER_TOOL] })
    const events = []
    runner.on('tool_calls.function.arguments.done', (e) => events.push({ name: e.name, index: e.index, arguments: e.arguments }))
    const accumulated = await runner.finalChatCompletion()
    const assistant = accumulated.choices[0].message
    const results = answerCalls(messages, assistant)
    const final = await client.chat.completions
      .stream({ model: 'qwen3:8b', messages, tools: [WEATHER_TOOL] })
      .finalChatCompletion()
    return {
      delta_count: deltas.length,
      joined,
      finish_reasons: chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean),
      reasoning: chunks.map((c) => c.choices[0]?.delta.reasoning ?? '').join(''),
      accumulated: {
        finish_reason: accumulated.choices[0].finish_reason,
        calls: callsOf(assistant.tool_calls),
        events,
      },
      tool_results: results,
      final_finish_reason: final.choices[0].finish_reason,
      final_content: final.choices[0].message.content,
      final_tool_calls: final.choices[0].message.tool_calls?.length ?? 0,
    }
  },

  async parse() {
    // Structured output through the SDK's helper: zod schema -> response_format json_schema (strict), parsed back.
    const Weather = z.object({ city: z.string(), temperature_c: z.number(), sky: z.enum(['clear', 'cloudy', 'rain']) })
    const completion = await client.chat.completions.parse({
      model: 'llama3.2',
      messages: user('Describe the weather in Toronto as JSON.'),
      response_format: zodResponseFormat(Weather, 'weather'),
    })
    const message = completion.choices[0].message
    const request = sent.filter((s) => s.path.endsWith('/chat/completions')).at(-1).body
    return {
      response_format_type: request.response_format.type,
      strict: request.response_format.json_schema.strict,
      finish_reason: completion.choices[0].finish_reason,
      refusal: message.refusal ?? null,
      parsed: message.parsed,
      valid: Weather.safeParse(message.parsed).success,
      content_is_json: (() => {
        try {
          JSON.parse(message.content)
          return true
        } catch {
          return false
        }
      })(),
    }
  },

  async embeddings() {
    const input = ['first text', 'second text']
    const floats = await client.embeddings.create({ model: 'nomic-embed-text', input, encoding_format: 'float' })
    const decoded = await client.embeddings.create({ model: 'nomic-embed-text', input })
    const asked = sent.filter((s) => s.path.endsWith('/embeddings')).map((s) => s.body.encoding_format ?? null)
    const a = floats.data.map((d) => d.embedding)
    const b = decoded.data.map((d) => d.embedding)
    return {
      asked_encoding: asked,
      object: floats.object,
      model: floats.model,
      indexes: floats.data.map((d) => d.index),
      dimensions: [a.map((v) => v.length), b.map((v) => v.length)],
      decoded_is_array: b.every((v) => Array.isArray(v) && v.every(Number.isFinite)),
      norms: [a.map(norm), b.map(norm)],
      // float32 round trip: the decoded base64 must equal the float answer to float32 precision
      max_difference: Math.max(...a.flatMap((v, i) => v.map((x, j) => Math.abs(x - b[i][j])))),
      distinct: JSON.stringify(a[0]) !== JSON.stringify(a[1]),
      usage: floats.usage,
    }
  },

  async models() {
    const page = await client.models.list()
    const ids = []
    for await (const model of page) ids.push(model.id)
    const llama = await client.models.retrieve('llama3.2:latest')
    const short = await client.models.retrieve('llama3.2')
    return {
      ids,
      objects: [...new Set(page.data.map((m) => m.object))],
      owned_by: [...new Set(page.data.map((m) => m.owned_by))],
      retrieved: { id: llama.id, object: llama.object, owned_by: llama.owned_by, created_type: typeof llama.created },
      retrieved_short_id: short.id,
      created_matches_list: page.data.find((m) => m.id === 'llama3.2:latest')?.created === llama.created,
    }
  },

  async midstream_error() {
    // Ollama's /v1 after an error mid-stream (ollama-api.md §4.2): one more chunk with model "" and an
    // empty delta, then the end, with no finish chunk and no [DONE]. The mock's fault header asks for it.
    const request = { model: 'llama3.2', messages: user('Why is the sky blue?'), stream: true }
    const fault = { headers: { 'X-Ollama-Mock-Fault': 'midstream_error;after=2' } }
    let threw = null
    const chunks = []
    try {
      for await (const chunk of await client.chat.completions.create(request, fault)) chunks.push(chunk)
    } catch (err) {
      threw = `${err.constructor.name}: ${err.message}`
    }
    return {
      threw,
      content: chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
      models: chunks.map((c) => c.model),
      finish_reasons: chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean),
      helper: await rejection(client.chat.completions.stream(request, fault).finalChatCompletion()),
    }
  },

  async errors() {
    return {
      unknown_model: await rejection(client.chat.completions.create({ model: 'no-such-model', messages: user('hello') })),
      unknown_model_stream: await rejection(
        client.chat.completions.create({ model: 'no-such-model', messages: user('hello'), stream: true }),
      ),
      unknown_model_retrieve: await rejection(client.models.retrieve('no-such-model')),
      unknown_model_embeddings: await rejection(client.embeddings.create({ model: 'no-such-model', input: 'x' })),
      empty_messages: await rejection(client.chat.completions.create({ model: 'llama3.2', messages: [] })),
      no_tools: await rejection(
        client.chat.completions.create({ model: 'gemma3:1b', messages: user('hello'), tools: [WEATHER_TOOL] }),
      ),
      bad_encoding: await rejection(
        client.embeddings.create({ model: 'nomic-embed-text', input: 'x', encoding_format: 'int8' }),
      ),
    }
  },
}

await runSections(sections, (err) => ({ status: err.status ?? null }))
