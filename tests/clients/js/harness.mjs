// What the drive_*.mjs scripts share: the base URL argument, the weather tool every tool loop
// uses, a fetch that keeps the bodies a client sent, and the runner that prints one JSON object of
// what each section observed (exit status 1 if any section threw).

export const baseUrl = (script) => {
  const host = process.argv[2]
  if (!host) {
    console.error(`usage: node ${script} <base_url>`)
    process.exit(2)
  }
  return host
}

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'The name of the city' } },
      required: ['city'],
    },
  },
}
export const getWeather = ({ city }) => JSON.stringify({ city, temperature_c: 21, sky: 'clear' })

export const collect = async (iterator) => {
  const parts = []
  for await (const part of iterator) parts.push(part)
  return parts
}

// The bodies a client sent, by path, to see what it asks for when the caller does not choose.
export const recordingFetch = (sent) => async (url, init) => {
  sent.push({ path: new URL(url).pathname, body: typeof init?.body === 'string' ? JSON.parse(init.body) : null })
  return fetch(url, init)
}

// Runs every section; `failure(err)` adds the client's own error fields to an unexpected throw.
export const runSections = async (sections, failure) => {
  const observed = {}
  let failed = false
  for (const [name, run] of Object.entries(sections)) {
    try {
      observed[name] = await run()
    } catch (err) {
      failed = true
      observed[name] = { unexpected: `${err.name}: ${err.message}`, ...failure(err) }
      console.error(err)
    }
  }
  console.log(JSON.stringify(observed))
  // exitCode, not process.exit(): stdout to a pipe may still be flushing (asynchronously on macOS).
  process.exitCode = failed ? 1 : 0
}
