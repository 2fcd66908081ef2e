/**
 * The list of modules that register background work (imported lazily so the engine can start
 * without the crawler loaded in tests). One import line per part.
 */
// The outbound guard first: every later part's network calls go through it.
import './outbound/outbound-background.js';
import './data-control/retention-schedule.js';
import './eval/eval-runs-background.js';
import '@cite/crawler/worker/background.js';

export {};
