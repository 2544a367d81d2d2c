// Interactive questions of `reshard` when flags are missing (stdin and stdout are TTYs).
// Prompt functions are injectable so the flow is unit-testable without a terminal.
import type {ClusterView} from '../admin/topology/types.js'
import {promptCheckbox, promptInput, promptSelect} from './prompt.js'

export interface Prompter {
  input: (message: string, validate?: (v: string) => true | string) => Promise<string>
  select: <T>(message: string, choices: {name: string; value: T}[]) => Promise<T>
  checkbox: <T>(message: string, choices: {name: string; value: T}[]) => Promise<T[]>
}

export const inquirerPrompter: Prompter = {input: promptInput, select: promptSelect, checkbox: promptCheckbox}

export interface ReshardAnswers {
  slots?: number
  to?: string
  from?: string[] | 'all'
}

function label(n: ClusterView['nodes'][number]): string {
  return `${n.address}  ${n.id}  ${n.slotCount} slots  ${n.keys ?? '?'} keys`
}

/** Ask only for what the flags did not give. */
export async function askReshard(view: ClusterView, have: ReshardAnswers, p: Prompter = inquirerPrompter): Promise<Required<ReshardAnswers>> {
  const masters = view.nodes.filter((n) => n.role === 'master')
  const slots =
    have.slots ??
    Number(
      await p.input('How many slots do you want to move (from 1 to 16384)?', (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 16384 ? true : 'Enter a number from 1 to 16384')),
    )
  const to = have.to ?? (await p.select('What is the receiving node?', masters.map((n) => ({name: label(n), value: n.id}))))
  let from = have.from
  if (!from) {
    const choices = [{name: 'all (every other master with slots)', value: 'all'}, ...masters.filter((n) => n.id !== to && n.slotCount > 0).map((n) => ({name: label(n), value: n.id}))]
    const picked = await p.checkbox('Source nodes (space to select, enter to confirm):', choices)
    from = picked.includes('all') ? 'all' : picked
  }
  return {slots, to, from}
}
