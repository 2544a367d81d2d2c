// string.format's integer conversions as Redis's Lua 5.1 does them: %d/%i cast the number to a
// 64-bit long and %o/%u/%x/%X to an unsigned long (truncating, out-of-range values as x86-64
// converts them), %c to an int printed as a char (a NUL adds nothing), flags/width/precision as C
// printf; Lua 5.3 (Fengari) refused any number without an exact 32-bit integer representation.
import {compatSuite, type Step} from './harness.js'

const forms = ['%d', '%i', '%5d', '%-5d|', '%05d', '%+d', '% d', '%.3d', '%x', '%X', '%#x', '%o', '%#o', '%u', '%08.3x', '%c', '%.0d']
const nums = ['3.99', '-3.99', '0', '-0.5', '2^40', '-2^40', '2^53+1', '2^63', '-2^63', '2^64', '1e300', '-1', '255', '65', '0/0', '1/0', '-1/0', "'12'", "' 0x1f '"]
const steps: Step[] = []
for (const f of forms) for (const x of nums) steps.push(['EVAL', `return string.format('${f}', ${x})`, '0'])
steps.push(['EVAL', "return string.format('%d', 'abc')", '0'], ['EVAL', "return string.format('%d')", '0'], ['EVAL', "return string.format('[%5.2s|%-3c|%3d]', 'abc', 66, 7.5)", '0'])

compatSuite('string.format integer conversions', steps)
