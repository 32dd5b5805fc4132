import { kubectlArgv, readSecret } from '../../../adapters/kubectl.js'
import { keyringOfSecret, readPullSecret, DockerConfigError } from '../../../core/credentials/docker-config.js'
import type { Finding } from '../../../core/errors.js'
import { createSecretCommand } from '../../../core/fix-command.js'
import { fixContext } from '../fix-lines.js'
import type { PreflightCheck } from './context.js'

// Every Secret the model and the rendered pods name exists where they run, and the kubelet can read it.
export const checkSecrets: PreflightCheck = async ({ opts, deps, t, step, facts }) => {
  if (!facts.toolsOk || facts.secretNames.length === 0) return []
  // Every pair the install model needs (plugins included) and every pair a rendered pod names.
  const pairs = new Map<string, { name: string; ns: string }>()
  for (const { name, namespace: ns } of facts.placements) pairs.set(`${ns}/${name}`, { name, ns })
  for (const w of facts.rendered?.workloads ?? [])
    for (const name of w.imagePullSecrets) pairs.set(`${w.namespace}/${name}`, { name, ns: w.namespace })
  const read = await Promise.all(
    [...pairs.values()].map(async ({ name, ns }) => {
      step.commands.push(kubectlArgv(t, ['get', 'secret', name, '-n', ns, '--ignore-not-found', '-o', 'json']))
      return { name, ns, secret: await readSecret(deps.run, t, name, ns) }
    }),
  )
  const findings: Finding[] = []
  const names = [...new Set(read.map((x) => x.name))]
  for (const name of names) {
    const missingIn = read.filter((x) => x.name === name && !x.secret).map((x) => x.ns)
    if (missingIn.length)
      findings.push({
        message: `Secret ${name} is missing in namespace${missingIn.length === 1 ? '' : 's'} ${missingIn.join(', ')}`,
        fix: facts.model?.needs.some((n) => n.name === name)
          ? createSecretCommand(fixContext(opts, facts), name, { values: opts.values, model: facts.model })
          : createSecretCommand(fixContext(opts, facts), name, { namespaces: missingIn }),
      })
  }
  for (const { name, ns, secret } of read) {
    if (!secret) {
      facts.secrets.set(`${ns}/${name}`, null)
      continue
    }
    facts.secretTypes.set(`${ns}/${name}`, secret.type)
    const keyring = keyringOfSecret(secret)
    facts.keyrings.set(
      `${ns}/${name}`,
      typeof keyring === 'string' ? { unreadable: keyring } : { entries: keyring.map((e) => ({ ...e, secret: name })) },
    )
    try {
      facts.secrets.set(`${ns}/${name}`, readPullSecret(secret))
    } catch (err) {
      if (!(err instanceof DockerConfigError)) throw err
      facts.secrets.set(`${ns}/${name}`, null)
      const wrongType = !['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg'].includes(secret.type ?? '')
      findings.push({
        message: wrongType
          ? `Secret ${name} in namespace ${ns} has type ${secret.type ?? 'unset'}, not kubernetes.io/dockerconfigjson: pods cannot pull with it`
          : `Secret ${name} in namespace ${ns} cannot be read by the kubelet: ${err.message}`,
        fix: createSecretCommand(fixContext(opts, facts), name, { namespaces: [ns], replace: wrongType }),
      })
    }
  }
  return findings
}
