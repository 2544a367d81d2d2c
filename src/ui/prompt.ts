// Prompts: only on an interactive terminal (stdin and stdout TTYs, not CI, not --json).
// Otherwise callers must fail with a hint (never hang on a pipe: Inquirer #365).
import {RedisTsError} from '../errors.js'

export function canPrompt(json: boolean): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY && !process.env.CI && !json)
}

function mapPromptError(err: unknown): never {
  const name = (err as {name?: string})?.name
  if (name === 'ExitPromptError' || name === 'AbortPromptError') throw new RedisTsError('interrupted', 'Aborted by user')
  throw err
}

export async function promptConfirm(message: string, def = false): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  return confirm({message, default: def}).catch(mapPromptError)
}

export async function promptInput(message: string, validate?: (v: string) => true | string, def?: string): Promise<string> {
  const {input} = await import('@inquirer/prompts')
  return input({message, ...(validate ? {validate} : {}), ...(def === undefined ? {} : {default: def})}).catch(mapPromptError)
}

export async function promptSelect<T>(message: string, choices: {name: string; value: T; description?: string}[]): Promise<T> {
  const {select} = await import('@inquirer/prompts')
  return select<T>({message, choices, pageSize: 15}).catch(mapPromptError)
}

export async function promptCheckbox<T>(message: string, choices: {name: string; value: T; checked?: boolean}[]): Promise<T[]> {
  const {checkbox} = await import('@inquirer/prompts')
  return checkbox<T>({message, choices, pageSize: 15, required: true}).catch(mapPromptError)
}
