// Tests use the same free-port probing as the local-cluster launcher.
export {portFree, freePortPair} from '../../src/local/ports.js'
