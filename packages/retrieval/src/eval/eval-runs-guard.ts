/**
 * Regression guard for deployment pipelines: a candidate run fails when one of its quality figures
 * falls below `ratio` × the baseline's (or, for rates where lower is better, rises above baseline ÷
 * ratio). Only metrics both runs measured are compared; latency is not a quality gate. Pure.
 */
import { HIGHER_IS_BETTER } from './eval-runs-aggregate.js';

export interface GuardFailure {
  metric: string;
  baseline: number;
  candidate: number;
  /** The bound the candidate had to meet. */
  threshold: number;
}

export interface GuardResult {
  ok: boolean;
  ratio: number;
  checked: string[];
  failures: GuardFailure[];
}

export function checkRegression(
  baseline: Record<string, number>,
  candidate: Record<string, number>,
  ratio: number,
  metrics?: string[],
): GuardResult {
  const names = (metrics ?? Object.keys(HIGHER_IS_BETTER)).filter(
    (m) => m in HIGHER_IS_BETTER && typeof baseline[m] === 'number' && typeof candidate[m] === 'number',
  );
  const failures: GuardFailure[] = [];
  for (const metric of names) {
    const b = baseline[metric]!;
    const c = candidate[metric]!;
    // rounding noise of floating-point means must not fail a pipeline on identical runs
    const slack = 1e-9;
    if (HIGHER_IS_BETTER[metric]) {
      const threshold = b * ratio;
      if (c < threshold - slack) failures.push({ metric, baseline: b, candidate: c, threshold });
    } else {
      const threshold = b / ratio;
      if (c > threshold + slack) failures.push({ metric, baseline: b, candidate: c, threshold });
    }
  }
  return { ok: failures.length === 0, ratio, checked: names, failures };
}

export function describeGuard(result: GuardResult): string {
  if (result.ok) return `Quality holds: ${result.checked.length} metric(s) within ${result.ratio} of the baseline (${result.checked.join(', ')}).`;
  return [
    `Quality dropped below ${result.ratio} of the baseline:`,
    ...result.failures.map((f) => `  ${f.metric}: ${f.candidate.toFixed(4)} (baseline ${f.baseline.toFixed(4)}, needed ${HIGHER_IS_BETTER[f.metric] ? '≥' : '≤'} ${f.threshold.toFixed(4)})`),
  ].join('\n');
}
