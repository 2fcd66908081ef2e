/**
 * The list of modules that register background work (imported lazily so the engine can start
 * without the crawler loaded in tests). One import line per part.
 */
export {};
