/**
 * Whether the umbrella chart deploys a service when the values leave `enabled` unset: its own
 * values.yaml decides (`<service>.enabled`, the dependency's condition; a section without the key
 * is on). Known for the chart versions whose default values were read (cloudforet-io/spaceone
 * deploy/helm at 1.12.12, 1.12.13, release-1.12 = 1.12.16, 2.0.0-dev33, master = 2.0.0-dev35);
 * null for the others, which cfpull does not guess.
 */
const DISABLED_BY_DEFAULT: Readonly<Record<string, readonly string[]>> = {
  '1.12.12': [],
  '1.12.13': [],
  '1.12.16': ['marketplace-assets'],
  '2.0.0-dev33': [],
  '2.0.0-dev35': [],
}

export function enabledByDefault(chartVersion: string, service: string): boolean | null {
  const off = DISABLED_BY_DEFAULT[chartVersion.replace(/^v/, '')]
  return off ? !off.includes(service) : null
}
