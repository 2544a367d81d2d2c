// cli-table3 wrapper: no colours unless allowed (its defaults come from @colors/colors).
import Table from 'cli-table3'

export function renderTable(head: string[], rows: (string | number)[][], color: boolean): string {
  const table = new Table({
    head,
    style: color ? {head: ['cyan'], border: ['grey'], compact: true} : {head: [], border: [], compact: true},
    wordWrap: false,
  })
  for (const r of rows) table.push(r.map((c) => String(c)))
  return table.toString()
}
