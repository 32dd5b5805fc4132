import { readText } from '../../../adapters/files.js'
import { parseValues } from '../../../core/yaml/values.js'
import type { PreflightCheck } from './context.js'

// The values file reads and parses (file:line:col on a syntax error).
export const checkValuesFile: PreflightCheck = async ({ opts, facts }) => {
  try {
    facts.text = await readText(opts.values)
    facts.data = parseValues(facts.text, opts.values).data
    return []
  } catch (err) {
    facts.text = undefined
    return [{ message: (err as Error).message }]
  }
}
