import type { PerformanceEntry } from "node:perf_hooks";

/**
 * The kind of a "gc" performance entry (perf_hooks' `constants.NODE_PERFORMANCE_GC_*`: 1 minor, 2 major,
 * 4 incremental, 8 weak callbacks), or 0 when the entry carries none. Node's types leave `detail` untyped, so the
 * relay's metrics and the benchmark's GC logs read it here rather than each through a cast of its own.
 */
export const gcKind = (entry: PerformanceEntry): number => (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
