// The process's own memory figures. process.memoryUsage() also reads the RSS (uv_resident_set_memory
// opens /proc/self/stat), so it throws EMFILE when the process is out of file descriptors: a full sync's
// RDB header, MEMORY STATS or INFO must not fail then. The heap figures come from V8 instead, and the
// RSS is a sample that keeps its last value when it cannot be read.
import {getHeapStatistics} from 'node:v8'

/** What the JavaScript heap and the buffers outside it hold (the node's allocator figure). */
export function heapBytes(): number {
  const h = getHeapStatistics()
  return h.used_heap_size + h.external_memory
}

// redis samples the RSS in serverCron (every 100 ms: "a relatively slow call") and INFO shows
// the sample; reading /proc/self/stat on every INFO cost ~a third of its CPU here. Sampled on
// demand instead of from a cron, at most once per 100 ms.
let rssValue = 0
let rssAt = -Infinity

/** The resident set size, sampled at most every 100 ms (`now` in ms). */
export function processRss(now: number): number {
  if (now - rssAt >= 100 || now < rssAt) {
    try {
      rssValue = process.memoryUsage.rss()
    } catch {
      // out of file descriptors: the last sample stands
    }
    rssAt = now
  }
  return rssValue
}
