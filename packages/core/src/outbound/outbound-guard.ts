/**
 * The one guarded place for outbound calls of an engine or worker process:
 * - every request made with `fetch` (model servers, model downloads, anything else) goes through the
 *   process-wide undici dispatcher, wrapped here by an interceptor that refuses hosts the policy does not
 *   allow, before any DNS lookup or connection;
 * - the crawler's own undici agent calls `assertCrawlTarget(url)` before each hop (redirects included);
 * - every undici request of the process, guarded or not, is counted per host and purpose in
 *   `cite_outbound_requests_total` (diagnostics channel), so a call that escaped the guard shows up in
 *   /metrics as purpose="unlisted" and in the logs.
 */
import diagnostics from 'node:diagnostics_channel';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { AppContext } from '../http/app-context.js';
import { outboundRequests } from '../observability/metrics.js';
import { CRAWL_SITES_TTL_MS, isLoopbackHost, OutboundPolicy } from './outbound-policy.js';

interface Installed {
  policy: OutboundPolicy;
  previous: Dispatcher;
  refs: number;
  stop: () => void;
}
let installed: Installed | undefined;

/** The policy of this process, when the guard is installed (engine and worker processes). */
export function currentOutboundPolicy(): OutboundPolicy | undefined {
  return installed?.policy;
}

/**
 * Crawl-target check for the crawler's fetcher and renderer. Without an installed guard (unit tests of
 * the fetcher, library use) it does nothing: the engine and workers always install one.
 */
export async function assertCrawlTarget(url: URL | string): Promise<void> {
  await installed?.policy.checkCrawlTarget(url);
}

/** Web search page check (each hop) for the fetcher of packages/ingestion/src/web-search; nothing without an installed guard. */
export function assertWebPage(url: URL | string): void {
  installed?.policy.checkWebPage(url);
}

/**
 * Counts a request made by a client that does not go through undici (the headless browser), once the
 * policy allowed it: /metrics then shows every outbound request, whatever made it.
 */
export function countOutbound(url: URL | string): void {
  const policy = installed?.policy;
  const host = originHost(url);
  if (!policy || !host) return;
  const purpose = policy.classify(host);
  if (purpose !== 'local') outboundRequests.inc({ host, purpose: purpose ?? 'unlisted' });
}

function originHost(origin: unknown): string | undefined {
  try {
    return new URL(String(origin)).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** undici interceptor: refuses (before connecting) what the policy does not allow. */
export function outboundInterceptor(policy: OutboundPolicy, log?: Logger): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const host = originHost(opts.origin);
    if (host && !isLoopbackHost(host)) {
      try {
        policy.check(host);
      } catch (e) {
        outboundRequests.inc({ host, purpose: 'refused' });
        log?.warn({ host, path: opts.path }, 'outbound call refused by the outbound policy');
        throw e;
      }
    }
    return dispatch(opts, handler);
  };
}

/**
 * Installs the guard for this process (idempotent, reference-counted: the HTTP engine and the
 * background worker of one process share it). Returns the uninstall function.
 */
export async function installOutboundGuard(app: Pick<AppContext, 'config' | 'db' | 'log'>): Promise<() => void> {
  if (!installed) {
    const log = app.log.child({ component: 'outbound' });
    const policy = new OutboundPolicy(app.config, app.db);
    await policy.refresh().catch((e) => log.warn({ err: e }, 'cannot read enabled sources; no crawl site allowed yet'));
    const previous = getGlobalDispatcher();
    const agent = new Agent();
    setGlobalDispatcher(agent.compose(outboundInterceptor(policy, log)));

    const onRequest = (message: unknown) => {
      const request = (message as { request?: { origin?: unknown } }).request;
      const host = originHost(request?.origin);
      if (!host) return;
      const purpose = policy.classify(host);
      // Loopback that is not a configured model server is the process talking to itself or to tests.
      if (purpose === 'local') return;
      if (!purpose) log.error({ host }, 'outbound call outside the outbound policy (not made through the guarded dispatcher)');
      outboundRequests.inc({ host, purpose: purpose ?? 'unlisted' });
    };
    diagnostics.subscribe('undici:request:create', onRequest);
    const timer = setInterval(() => {
      policy.refresh().catch((e) => log.warn({ err: e }, 'cannot refresh enabled sources'));
    }, CRAWL_SITES_TTL_MS);
    timer.unref();
    log.info(
      { models: policy.models.map((m) => `${m.purpose}:${m.host}`), crawlSites: policy.crawlSites().length, allow: policy.allow },
      'outbound policy installed',
    );
    installed = {
      policy,
      previous,
      refs: 0,
      stop: () => {
        clearInterval(timer);
        diagnostics.unsubscribe('undici:request:create', onRequest);
        setGlobalDispatcher(previous);
        agent.close().catch(() => {});
      },
    };
  }
  installed.refs++;
  let done = false;
  return () => {
    if (done || !installed) return;
    done = true;
    if (--installed.refs === 0) {
      installed.stop();
      installed = undefined;
    }
  };
}
