// Runs one embedded node straight from the TypeScript sources (no oclif, no dist/), for
// profiling while dist/ is being rebuilt: node --import tsx bench/node-runner.ts --port 7000 ...
import {loadConfig, parseCommandLine, startNode} from '../src/node/index.js'

const node = await startNode({config: loadConfig(parseCommandLine(process.argv.slice(2)))})
const stop = () => void node.stop().finally(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
node.server.once('shutdown', () => process.exit(0))
