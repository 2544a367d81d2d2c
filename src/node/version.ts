// The Redis version the embedded node reports (INFO, HELLO, the start-up log). Its own leaf module
// so command handlers can read it without importing server.ts, which imports the command table.
export const REDIS_VERSION = '7.0.15'
