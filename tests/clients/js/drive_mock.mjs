// Drive an Ollama-compatible server with the official JavaScript client (ollama-js), as a Node user does.
// Usage: node drive_mock.mjs <base_url>
// Prints one JSON object of what was observed; exits 1 if anything threw unexpectedly.
import { Ollama } from 'ollama'
import { WEATHER_TOOL, baseUrl, collect, getWeather, runSections } from './harness.mjs'

const host = baseUrl('drive_mock.mjs')
const ollama = new Ollama({ host })

const PROMPT = 'Why is the sky blue?'
// Only the client's own ResponseError counts: it is not exported, so recognise it by name and status.
const rejection = async (promise) => {
  try {
    await promise
  } catch (err) {
    return { class: err.constructor.name, name: err.name, status_code: err.status_code ?? null, error: err.error ?? null, message: err.message }
  }
  return { class: null, resolved: true }
}

const modelNames = async () => (await ollama.list()).models.map((m) => m.name)

const sections = {
  async chat() {
    const messages = [{ role: 'user', content: PROMPT }]
    const single = await ollama.chat({ model: 'llama3.2', messages })
    const parts = await collect(await ollama.chat({ model: 'llama3.2', messages, stream: true }))
    const last = parts.at(-1)
    return {
      model: single.model,
      role: single.message.role,
      content: single.message.content,
      done: single.done,
      done_reason: single.done_reason,
      eval_count: single.eval_count,
      total_duration: single.total_duration,
      created_at_type: typeof single.created_at,
      stream: {
        chunks: parts.length,
        done_at: parts.flatMap((p, i) => (p.done ? [i] : [])),
        content: parts.map((p) => p.message.content).join(''),
        last_done_reason: last.done_reason,
        last_eval_count: last.eval_count,
        last_eval_duration: last.eval_duration,
      },
    }
  },

  async tools() {
    const messages = [{ role: 'user', content: 'What is the weather in Toronto?' }]
    const first = await ollama.chat({ model: 'qwen3:8b', messages, tools: [WEATHER_TOOL] })
    const calls = first.message.tool_calls ?? []
    messages.push(first.message)
    const results = []
    for (const call of calls) {
      const result = getWeather(call.function.arguments)
      results.push(result)
      messages.push({ role: 'tool', content: result, tool_name: call.function.name })
    }
    const final = await ollama.chat({ model: 'qwen3:8b', messages, tools: [WEATHER_TOOL] })
    return {
      thinking: first.message.thinking ?? null,
      calls: calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments, arguments_type: typeof c.function.arguments })),
      first_done_reason: first.done_reason,
      tool_results: results,
      final_content: final.message.content,
      final_tool_calls: final.message.tool_calls ?? null,
    }
  },

  async generate() {
    const request = { model: 'gemma3:1b', prompt: 'Count to five', options: { seed: 1 } }
    const single = await ollama.generate(request)
    const parts = await collect(await ollama.generate({ ...request, stream: true }))
    const last = parts.at(-1)
    return {
      response: single.response,
      done: single.done,
      context_length: single.context?.length ?? null,
      stream: {
        chunks: parts.length,
        done_at: parts.flatMap((p, i) => (p.done ? [i] : [])),
        response: parts.map((p) => p.response).join(''),
        last_eval_count: last.eval_count,
        last_context_length: last.context?.length ?? null,
      },
    }
  },

  async embed() {
    const response = await ollama.embed({ model: 'nomic-embed-text', input: ['first text', 'second text'] })
    return {
      model: response.model,
      count: response.embeddings.length,
      dimensions: response.embeddings.map((v) => v.length),
      all_numbers: response.embeddings.every((v) => v.every(Number.isFinite)),
      norms: response.embeddings.map((v) => Math.hypot(...v)),
      distinct: JSON.stringify(response.embeddings[0]) !== JSON.stringify(response.embeddings[1]),
      prompt_eval_count: response.prompt_eval_count,
    }
  },

  async list() {
    const { models } = await ollama.list()
    const llama = models.find((m) => m.name === 'llama3.2:latest')
    return {
      names: models.map((m) => m.name),
      llama: llama && { model: llama.model, digest: llama.digest, size: llama.size, family: llama.details.family, modified_at: llama.modified_at },
    }
  },

  async show() {
    const shown = await ollama.show({ model: 'llama3.2' })
    return {
      family: shown.details.family,
      capabilities: shown.capabilities,
      context_length: shown.model_info['llama.context_length'],
      has_template: typeof shown.template === 'string' && shown.template.length > 0,
      modelfile_from: shown.modelfile.split('\n').find((l) => l.startsWith('FROM ')) ?? null,
    }
  },

  async ps() {
    const { models } = await ollama.ps()
    return models.map((m) => ({
      name: m.name,
      expires_in_s: (Date.parse(m.expires_at) - Date.now()) / 1000,
      size: m.size,
      size_vram: m.size_vram,
    }))
  },

  async pull() {
    const before = (await modelNames()).includes('tinyllama:latest')
    const updates = await collect(await ollama.pull({ model: 'tinyllama', stream: true }))
    const listed = (await modelNames()).includes('tinyllama:latest')
    // Leave the shared server as we found it.
    if (!before) await ollama.delete({ model: 'tinyllama' })
    return {
      installed_before: before,
      statuses: updates.map((u) => u.status),
      finished_layers: updates.filter((u) => u.total && u.completed === u.total).map((u) => u.digest),
      listed_after_pull: listed,
      listed_after_cleanup: (await modelNames()).includes('tinyllama:latest'),
    }
  },

  async copy_delete() {
    const copied = await ollama.copy({ source: 'gemma3:1b', destination: 'gemma-js-copy' })
    const afterCopy = await modelNames()
    const shown = await ollama.show({ model: 'gemma-js-copy' })
    const deleted = await ollama.delete({ model: 'gemma-js-copy' })
    const afterDelete = await modelNames()
    return {
      copy_status: copied.status,
      listed_after_copy: afterCopy.includes('gemma-js-copy:latest'),
      copy_family: shown.details.family,
      delete_status: deleted.status,
      listed_after_delete: afterDelete.includes('gemma-js-copy:latest'),
      delete_again: await rejection(ollama.delete({ model: 'gemma-js-copy' })),
    }
  },

  async version() {
    return await ollama.version()
  },

  async errors() {
    const user = [{ role: 'user', content: 'hello' }]
    return {
      unknown_model: await rejection(ollama.chat({ model: 'no-such-model', messages: user })),
      unknown_model_stream: await rejection(ollama.chat({ model: 'no-such-model', messages: user, stream: true })),
      no_tools: await rejection(ollama.chat({ model: 'gemma3:1b', messages: user, tools: [WEATHER_TOOL] })),
    }
  },
}

await runSections(sections, (err) => ({ status_code: err.status_code ?? null }))
